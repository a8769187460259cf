// What the visual form editor (form-editor.js) knows of keyflow's form JSON Schemas: the kind
// of each field (text, choice, table of rows, ...), which schemas it can show, a field made
// into another kind, and the edits of an object schema's fields that keep their order (the
// order of `properties` is the order the task page shows). No DOM here.
// Loaded as a file (the Content-Security-Policy allows no inline scripts).
(function () {
  "use strict";

  // The phone pattern of keyflow's forms (processes/forms/dev_register_prospect.json).
  var PHONE = "^[0-9+()\\- ]{5,40}$";
  var KINDS = ["text", "textarea", "number", "integer", "date", "datetime", "email", "phone",
               "choice", "multi", "boolean", "lines", "table"];
  // Kept through a change of type: what the field is, not how it is checked.
  var LASTING = ["title", "x-title-en", "description", "x-description-en", "x-keyflow-decision",
                 "x-keyflow-contact", "x-keyflow-customer"];
  var COMMON = ["type", "title", "x-title-en", "description", "x-description-en",
                "x-keyflow-decision"];
  var LIMITS = {
    number: ["minimum", "maximum"], integer: ["minimum", "maximum"],
    text: ["minLength", "maxLength"], textarea: ["minLength", "maxLength"],
    email: ["minLength", "maxLength"], phone: ["minLength", "maxLength"],
    multi: ["minItems", "maxItems"], lines: ["minItems", "maxItems"],
    table: ["minItems", "maxItems"]
  };
  // Keys each kind edits besides COMMON and its limits (the rest is listed as kept).
  var OWN = {
    textarea: ["x-widget"], date: ["format"], datetime: ["format"], email: ["format"],
    phone: ["pattern"], choice: ["enum", "x-enum-titles", "x-enum-titles-en", "x-widget"],
    multi: ["items", "uniqueItems"], lines: ["items"], table: ["items"]
  };
  var NAME = /^[A-Za-z][A-Za-z0-9_]{0,59}$/;

  function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  function format(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }

  // ---- what a field schema is, in the editor's words ----
  function kindOf(s) {
    if (!isObject(s) || "$ref" in s || "oneOf" in s || "anyOf" in s || "allOf" in s ||
        "not" in s || "if" in s || "properties" in s) { return null; }
    var t = s.type;
    if ("enum" in s) {
      var codesFit = Array.isArray(s.enum) && s.enum.length > 0 && s.enum.every(function (c) {
        return t === "string" ? typeof c === "string" : typeof c === "number";
      });
      return (t === "string" || t === "integer" || t === "number") && codesFit ? "choice" : null;
    }
    if (t === "boolean") { return "boolean"; }
    if (t === "number" || t === "integer") { return t; }
    if (t === "string") {
      if (s.format === "date") { return "date"; }
      if (s.format === "date-time") { return "datetime"; }
      if (s.format === "email") { return "email"; }
      if (s.pattern === PHONE) { return "phone"; }
      return s["x-widget"] === "textarea" ? "textarea" : "text";
    }
    if (t === "array" && isObject(s.items)) {
      var items = s.items;
      if (items.type === "object") { return problemOf(items, true) ? null : "table"; }
      if (items.type === "string" && "enum" in items) {
        return Array.isArray(items.enum) && items.enum.length > 0 &&
          items.enum.every(function (c) { return typeof c === "string"; }) ? "multi" : null;
      }
      if (items.type === "string" && Object.keys(items).every(function (k) {
        return ["type", "title", "x-title-en", "minLength", "maxLength"].indexOf(k) >= 0;
      })) { return "lines"; }
    }
    return null;
  }

  // Why the visual editor cannot show an object schema (its fields), or null when it can.
  function problemOf(schema, inTable) {
    if (!isObject(schema) || schema.type !== "object") { return { what: "notForm" }; }
    if ("properties" in schema && !isObject(schema.properties)) { return { what: "notForm" }; }
    if ("required" in schema && !Array.isArray(schema.required)) { return { what: "notForm" }; }
    var names = Object.keys(schema.properties || {});
    for (var i = 0; i < names.length; i += 1) {
      var kind = kindOf(schema.properties[names[i]]);
      if (!kind || /^\d+$/.test(names[i]) || (inTable && kind === "table")) {
        return { what: "field", name: names[i] };
      }
    }
    return null;
  }

  function withoutEmpty(list) {
    while (list.length && list[list.length - 1] === "") { list.pop(); }
    return list;
  }

  // A field schema of `kind` carrying over what lasts (names, help, flags) and the choices.
  function converted(old, kind) {
    var oldKind = kindOf(old);
    var choices = oldKind === "choice" ? old : oldKind === "multi" ? old.items : null;
    var s = {};
    var base = { text: "string", textarea: "string", date: "string", datetime: "string",
                 email: "string", phone: "string", choice: "string", number: "number",
                 integer: "integer", boolean: "boolean", multi: "array", lines: "array",
                 table: "array" };
    s.type = base[kind];
    LASTING.forEach(function (k) { if (k in old) { s[k] = old[k]; } });
    var enumPart = function () {
      var codes = choices && choices.enum.every(function (c) { return typeof c === "string"; })
        ? choices.enum.slice() : ["option_1"];
      var part = { "enum": codes };
      ["x-enum-titles", "x-enum-titles-en"].forEach(function (k) {
        if (choices && Array.isArray(choices[k])) { part[k] = choices[k].slice(); }
      });
      return part;
    };
    if (kind === "textarea") { s["x-widget"] = "textarea"; }
    if (kind === "date") { s.format = "date"; }
    if (kind === "datetime") { s.format = "date-time"; }
    if (kind === "email") { s.format = "email"; s.maxLength = 254; }
    if (kind === "phone") { s.pattern = PHONE; s.maxLength = 40; }
    if (kind === "choice") {
      Object.assign(s, enumPart());
      s["x-widget"] = "radio";
    }
    if (kind === "multi") {
      s.items = Object.assign({ type: "string" }, enumPart());
      s.uniqueItems = true;
    }
    if (kind === "lines") { s.items = { type: "string", maxLength: 200 }; }
    if (kind === "table") {
      s.items = { type: "object", properties: {}, required: [], additionalProperties: false };
    }
    return s;
  }

  // ---- edits of the fields of one object schema (the form, or a table's rows) ----
  function rename(parent, from, to) {
    var props = {};
    Object.keys(parent.properties).forEach(function (k) {
      props[k === from ? to : k] = parent.properties[k];
    });
    parent.properties = props;
    if (Array.isArray(parent.required)) {
      parent.required = parent.required.map(function (r) { return r === from ? to : r; });
    }
  }

  function move(parent, name, delta) {
    var names = Object.keys(parent.properties);
    var at = names.indexOf(name);
    var to = at + delta;
    if (to < 0 || to >= names.length) { return; }
    names.splice(at, 1);
    names.splice(to, 0, name);
    var props = {};
    names.forEach(function (k) { props[k] = parent.properties[k]; });
    parent.properties = props;
  }

  function remove(parent, name) {
    delete parent.properties[name];
    if (Array.isArray(parent.required)) {
      parent.required = parent.required.filter(function (r) { return r !== name; });
    }
  }

  function add(parent) {
    parent.properties = parent.properties || {};
    var n = Object.keys(parent.properties).length + 1;
    while (("field_" + n) in parent.properties) { n += 1; }
    parent.properties["field_" + n] = { type: "string", maxLength: 200 };
    return "field_" + n;
  }

  function setRequired(parent, name, on) {
    var list = Array.isArray(parent.required) ? parent.required : [];
    list = list.filter(function (r) { return r !== name; });
    if (on) { list.push(name); }
    parent.required = list;
  }

  window.KeyflowFormSchema = {
    PHONE: PHONE, KINDS: KINDS, COMMON: COMMON, LIMITS: LIMITS, OWN: OWN, NAME: NAME,
    kindOf: kindOf, problemOf: problemOf, converted: converted, withoutEmpty: withoutEmpty,
    format: format, rename: rename, move: move, remove: remove, add: add,
    setRequired: setRequired
  };
}());
