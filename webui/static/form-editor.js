// The visual form editor: a form's fields as inputs (labels zh/en, type, required, limits,
// help, choices, table columns, the decision flag), written back into the form's JSON Schema
// in the raw tab's textarea, which stays the one source that editor.js saves and previews.
// Keys it does not edit (allOf rules, patterns, defaults, x-keyflow-contact, ...) are kept as
// they are, so a form opened and saved unchanged is the same schema. A schema it cannot show
// (not JSON, no object form, a field of a type it does not offer) stays in the JSON tab with
// a message. What a field schema is and the edits of `properties`: form-schema.js. Texts come
// from the page (#kf-form-texts). Loaded as a file (CSP: no inline scripts).
(function () {
  "use strict";

  var S = window.KeyflowFormSchema;
  var KINDS = S.KINDS, COMMON = S.COMMON, LIMITS = S.LIMITS, OWN = S.OWN, NAME = S.NAME;
  var kindOf = S.kindOf, problemOf = S.problemOf, converted = S.converted;
  var withoutEmpty = S.withoutEmpty, format = S.format;
  var rename = S.rename, move = S.move, remove = S.remove, add = S.add;
  var setRequired = S.setRequired;

  // ---- the editor ----
  window.KeyflowFormEditor = function (textarea) {
    var texts = document.getElementById("kf-form-texts").dataset;
    var visual = document.getElementById("kf-form-visual");
    var raw = document.getElementById("kf-form-raw");
    var message = document.getElementById("kf-form-message");
    var tabVisual = document.getElementById("kf-form-tab-visual");
    var tabRaw = document.getElementById("kf-form-tab-raw");
    var schema = null;
    var mode = "visual";
    var serial = 0;  // makes input ids unique per rendering

    function el(tag, attrs, children) {
      var node = document.createElement(tag);
      Object.keys(attrs || {}).forEach(function (k) {
        if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
      });
      (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
      return node;
    }

    // Every visual edit ends here: the JSON tab gets the schema, editor.js the input event
    // (which renders the preview, and which flush() reads when the file is saved).
    function write() {
      textarea.value = JSON.stringify(schema, null, 2);
      textarea.dispatchEvent(new Event("input"));
    }

    function show(which, note) {
      mode = which;
      visual.hidden = which !== "visual";
      raw.hidden = which !== "raw";
      tabVisual.setAttribute("aria-selected", String(which === "visual"));
      tabRaw.setAttribute("aria-selected", String(which === "raw"));
      message.textContent = note || "";
      message.hidden = !note;
    }

    // Parse the JSON tab; the visual tab when the editor can show it, else the JSON tab
    // with the reason. Returns whether the visual tab opened.
    function load() {
      var parsed;
      try {
        parsed = JSON.parse(textarea.value);
      } catch (err) {
        show("raw", format(texts.cannot, { reason: format(texts.notJson, { error: err.message }) }));
        return false;
      }
      var problem = problemOf(parsed, false);
      if (problem) {
        var reason = problem.what === "field" ? format(texts.fieldUnsupported, { name: problem.name })
          : texts.notForm;
        show("raw", format(texts.cannot, { reason: reason }));
        return false;
      }
      schema = parsed;
      show("visual");
      render();
      return true;
    }

    // ---- a text that may be emptied: an empty one leaves its key out ----
    function setText(obj, key, value) {
      if (value.trim() === "") { delete obj[key]; } else { obj[key] = value; }
    }

    // Rules the editor keeps but does not edit (allOf's if/then, $defs) may name a field that
    // was just renamed or removed: say so, since only the JSON tab can change them.
    var ROOT_MANAGED = ["$schema", "type", "title", "x-title-en", "description",
                        "x-description-en", "properties", "required", "additionalProperties"];
    function warnIfNamed(name) {
      var named = Object.keys(schema).some(function (k) {
        return ROOT_MANAGED.indexOf(k) < 0 && JSON.stringify(schema[k]).indexOf(JSON.stringify(name)) >= 0;
      });
      if (named) {
        message.textContent = format(texts.namedInRules, { name: name });
        message.hidden = false;
      }
    }

    // ---- inputs ----
    function labelled(text, input, cls) {
      var id = "kf-fe-" + (serial += 1);
      input.id = id;
      return el("div", { "class": "field " + (cls || "") },
        [el("label", { "for": id, text: text }), input]);
    }

    function textInput(value, onInput, attrs) {
      var input = el("input", Object.assign({ type: "text" }, attrs || {}));
      input.value = value === undefined ? "" : String(value);
      input.addEventListener("input", function () { onInput(input.value, input); });
      return input;
    }

    function checkbox(text, checked, onChange, prop) {
      var input = el("input", { type: "checkbox", "data-prop": prop });
      input.checked = !!checked;
      input.addEventListener("change", function () { onChange(input.checked); write(); });
      var id = "kf-fe-" + (serial += 1);
      input.id = id;
      return el("div", { "class": "field kf-fe-check" }, [input, el("label", { "for": id, text: text })]);
    }

    function invalid(input, note, text) {
      input.setAttribute("aria-invalid", text ? "true" : "false");
      note.textContent = text || "";
      note.hidden = !text;
    }

    // A bilingual text pair (zh in `key`, en in `key`-en) as two inputs.
    function bilingual(obj, zhKey, enKey, zhText, enText, prop) {
      return [
        labelled(zhText, textInput(obj[zhKey], function (v) { setText(obj, zhKey, v); refreshHeads(); write(); },
                                   { "data-prop": prop + "-zh", maxlength: "500" })),
        labelled(enText, textInput(obj[enKey], function (v) { setText(obj, enKey, v); refreshHeads(); write(); },
                                   { "data-prop": prop + "-en", maxlength: "500" }))
      ];
    }

    function limitInputs(field, kind) {
      var keys = LIMITS[kind];
      if (!keys) { return []; }
      var words = kind === "number" || kind === "integer" ? [texts.minimum, texts.maximum]
        : kind === "table" ? [texts.minRows, texts.maxRows]
        : kind === "multi" || kind === "lines" ? [texts.minItems, texts.maxItems]
        : [texts.minLength, texts.maxLength];
      var whole = kind !== "number";
      return keys.map(function (key, i) {
        var note = el("p", { "class": "error", role: "alert", hidden: "" });
        var input = textInput(field[key], function (v, self) {
          var text = v.trim();
          if (text === "") { delete field[key]; invalid(self, note, ""); write(); return; }
          var n = Number(text);
          var ok = /^-?\d+(\.\d+)?$/.test(text) && isFinite(n) &&
            (!whole || Number.isInteger(n)) && (kind === "number" || kind === "integer" || n >= 0);
          if (!ok) { invalid(self, note, whole ? texts.wholeNumber : texts.aNumber); return; }
          invalid(self, note, "");
          field[key] = n;
          write();
        }, { "data-prop": i === 0 ? "min" : "max", inputmode: "decimal", size: "8" });
        var box = labelled(words[i], input, "kf-fe-limit");
        box.appendChild(note);
        return box;
      });
    }

    // Choices of a choice (in `field`) or a multiple choice (in `field.items`).
    function choicesEditor(holder, numeric) {
      var list = el("ol", { "class": "kf-fe-choices" });
      var codes = holder.enum;
      var keys = ["x-enum-titles", "x-enum-titles-en"];
      function titles(k) {
        var arr = Array.isArray(holder[k]) ? holder[k].slice() : [];
        while (arr.length < codes.length) { arr.push(""); }
        return arr;
      }
      function store(zh, en) {
        // Titles are optional: none typed (and none before), none written.
        [zh, en].forEach(function (all, j) {
          var cut = all.slice(0, codes.length);
          if (withoutEmpty(cut.slice()).length || Array.isArray(holder[keys[j]])) {
            holder[keys[j]] = cut;
          }
        });
      }
      codes.forEach(function (code, i) {
        var note = el("p", { "class": "error", role: "alert", hidden: "" });
        var codeInput = textInput(code, function (v, self) {
          var text = v.trim();
          var value = numeric ? Number(text) : text;
          var clash = codes.some(function (c, j) { return j !== i && c === value; });
          if (text === "" || (numeric && !/^-?\d+(\.\d+)?$/.test(text)) || clash) {
            invalid(self, note, clash ? texts.duplicateChoice : texts.badCode);
            return;
          }
          invalid(self, note, "");
          codes[i] = value;
          write();
        }, { "data-prop": "choice-code", maxlength: "60", size: "12" });
        var zh = titles(keys[0]);
        var en = titles(keys[1]);
        var zhInput = textInput(zh[i], function (v) {
          var all = titles(keys[0]); all[i] = v; store(all, titles(keys[1])); write();
        }, { "data-prop": "choice-zh", maxlength: "200" });
        var enInput = textInput(en[i], function (v) {
          var all = titles(keys[1]); all[i] = v; store(titles(keys[0]), all); write();
        }, { "data-prop": "choice-en", maxlength: "200" });
        var drop = el("button", { type: "button", "class": "kf-fe-drop", text: texts.removeChoice,
                                  "aria-label": texts.removeChoice + " " + code });
        drop.disabled = codes.length === 1;
        drop.addEventListener("click", function () {
          var zhAll = titles(keys[0]);
          var enAll = titles(keys[1]);
          codes.splice(i, 1); zhAll.splice(i, 1); enAll.splice(i, 1);
          store(zhAll, enAll);
          write();
          render();
        });
        var item = el("li", { "class": "kf-fe-choice", "data-choice": String(i) },
          [labelled(texts.choiceCode, codeInput), labelled(texts.titleZh, zhInput),
           labelled(texts.titleEn, enInput), drop]);
        item.appendChild(note);
        list.appendChild(item);
      });
      var addButton = el("button", { type: "button", "class": "kf-fe-add-choice", text: texts.addChoice });
      addButton.addEventListener("click", function () {
        var zhAll = titles(keys[0]);
        var enAll = titles(keys[1]);
        var n = codes.length + 1;
        var next = numeric ? n : "option_" + n;
        while (codes.indexOf(next) >= 0) { n += 1; next = numeric ? n : "option_" + n; }
        codes.push(next); zhAll.push(""); enAll.push("");
        store(zhAll, enAll);
        write();
        render();
      });
      return el("fieldset", { "class": "kf-fe-choice-list" },
        [el("legend", { text: texts.choices }), list, addButton]);
    }

    var heads = [];  // [element, field schema, name] of each rendered field, for its heading
    function headText(field, name) {
      var zh = field.title || "";
      var en = field["x-title-en"] || "";
      var label = [zh, en].filter(Boolean).join(" / ") || name;
      return label + " (" + name + ") · " + texts["kind_" + kindOf(field)];
    }
    function refreshHeads() {
      heads.forEach(function (h) { h[0].textContent = headText(h[1], h[2]); });
    }

    function fieldEditor(parent, name, inTable, index, count) {
      var field = parent.properties[name];
      var kind = kindOf(field);
      var box = el("fieldset", { "class": "kf-fe-field card", "data-field": name, "data-kind": kind });
      var head = el("legend", { text: headText(field, name) });
      heads.push([head, field, name]);
      box.appendChild(head);

      var tools = el("div", { "class": "kf-fe-tools" });
      [["up", texts.moveUp, -1, index === 0], ["down", texts.moveDown, 1, index === count - 1]]
        .forEach(function (b) {
          var button = el("button", { type: "button", "data-action": b[0], text: b[1],
                                      "aria-label": b[1] + " " + name });
          button.disabled = b[3];
          button.addEventListener("click", function () { move(parent, name, b[2]); write(); render(); });
          tools.appendChild(button);
        });
      var drop = el("button", { type: "button", "data-action": "remove", text: texts.removeField,
                                "aria-label": texts.removeField + " " + name });
      drop.addEventListener("click", function () {
        remove(parent, name);
        write();
        render();
        warnIfNamed(name);
      });
      tools.appendChild(drop);
      box.appendChild(tools);

      var nameNote = el("p", { "class": "error", role: "alert", hidden: "" });
      var nameInput = textInput(name, function () {}, { "data-prop": "name", maxlength: "60",
                                                         spellcheck: "false" });
      nameInput.addEventListener("change", function () {
        var to = nameInput.value.trim();
        if (to === name) { invalid(nameInput, nameNote, ""); return; }
        if (!NAME.test(to)) { invalid(nameInput, nameNote, texts.badName); return; }
        if (to in parent.properties) { invalid(nameInput, nameNote, texts.takenName); return; }
        rename(parent, name, to);
        write();
        render();
        warnIfNamed(name);
      });
      var nameBox = labelled(texts.name, nameInput);
      nameBox.appendChild(nameNote);
      box.appendChild(nameBox);
      var typeSelect = el("select", { "data-prop": "kind" });
      KINDS.filter(function (k) { return !(inTable && k === "table"); }).forEach(function (k) {
        typeSelect.appendChild(el("option", { value: k, text: texts["kind_" + k] }));
      });
      typeSelect.value = kind;
      typeSelect.addEventListener("change", function () {
        parent.properties[name] = converted(parent.properties[name], typeSelect.value);
        write();
        render();
      });
      box.appendChild(labelled(texts.type, typeSelect));
      bilingual(field, "title", "x-title-en", texts.titleZh, texts.titleEn, "title")
        .forEach(function (n) { box.appendChild(n); });

      if (kind === "choice") {
        var shown = el("select", { "data-prop": "widget" });
        shown.appendChild(el("option", { value: "radio", text: texts.showRadio }));
        shown.appendChild(el("option", { value: "select", text: texts.showSelect }));
        shown.value = field["x-widget"] === "radio" ? "radio" : "select";
        shown.addEventListener("change", function () {
          if (shown.value === "radio") { field["x-widget"] = "radio"; } else { delete field["x-widget"]; }
          write();
        });
        box.appendChild(labelled(texts.showAs, shown));
        box.appendChild(choicesEditor(field, field.type !== "string"));
      }
      if (kind === "multi") { box.appendChild(choicesEditor(field.items, false)); }

      var required = Array.isArray(parent.required) && parent.required.indexOf(name) >= 0;
      box.appendChild(checkbox(texts.required, required, function (on) {
        setRequired(parent, name, on);
      }, "required"));
      limitInputs(field, kind).forEach(function (n) { box.appendChild(n); });
      bilingual(field, "description", "x-description-en", texts.helpZh, texts.helpEn, "help")
        .forEach(function (n) { box.appendChild(n); });
      if (!inTable) {
        box.appendChild(checkbox(texts.decision, field["x-keyflow-decision"] === true, function (on) {
          if (on) { field["x-keyflow-decision"] = true; } else { delete field["x-keyflow-decision"]; }
        }, "decision"));
      }
      if (kind === "table") {
        var columns = el("fieldset", { "class": "kf-fe-columns" }, [el("legend", { text: texts.columns })]);
        fieldList(columns, field.items, true);
        box.appendChild(columns);
      }
      var managed = COMMON.concat(LIMITS[kind] || [], OWN[kind] || []);
      var kept = Object.keys(field).filter(function (k) { return managed.indexOf(k) < 0; });
      if (kept.length) {
        box.appendChild(el("p", { "class": "muted kf-fe-kept",
                                  text: format(texts.kept, { keys: kept.join(", ") }) }));
      }
      return box;
    }

    function fieldList(container, parent, inTable) {
      var names = Object.keys(parent.properties || {});
      var list = el("div", { "class": "kf-fe-fields" });
      names.forEach(function (name, i) {
        list.appendChild(fieldEditor(parent, name, inTable, i, names.length));
      });
      container.appendChild(list);
      var addButton = el("button", { type: "button", "class": "kf-fe-add",
                                     text: inTable ? texts.addColumn : texts.addField });
      addButton.addEventListener("click", function () {
        var added = add(parent);
        write();
        render();
        var input = visual.querySelector('[data-field="' + added + '"] [data-prop="title-zh"]');
        if (input) { input.focus(); }
      });
      container.appendChild(addButton);
    }

    function render() {
      heads = [];
      visual.innerHTML = "";
      var form = el("fieldset", { "class": "kf-fe-form" }, [el("legend", { text: texts.form })]);
      bilingual(schema, "title", "x-title-en", texts.formTitleZh, texts.formTitleEn, "form-title")
        .forEach(function (n) { form.appendChild(n); });
      bilingual(schema, "description", "x-description-en", texts.helpZh, texts.helpEn, "form-help")
        .forEach(function (n) { form.appendChild(n); });
      visual.appendChild(form);
      fieldList(visual, schema, false);
      var kept = Object.keys(schema).filter(function (k) { return ROOT_MANAGED.indexOf(k) < 0; });
      if (kept.length) {
        visual.appendChild(el("p", { "class": "muted kf-fe-kept",
                                     text: format(texts.kept, { keys: kept.join(", ") }) }));
      }
    }

    tabVisual.addEventListener("click", function () { if (mode !== "visual") { load(); } });
    tabRaw.addEventListener("click", function () { show("raw"); });
    // Tabs as the ARIA pattern has them: the arrow keys move to the other tab.
    [tabVisual, tabRaw].forEach(function (tab, i, both) {
      tab.addEventListener("keydown", function (e) {
        if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") { return; }
        e.preventDefault();
        both[1 - i].focus();
        both[1 - i].click();
      });
    });

    return {
      load: load,
      mode: function () { return mode; },
      message: function () { return message.textContent; }
    };
  };

}());
