// The process editor: bpmn-js and dmn-js modelers, forms with a server-rendered preview,
// drafts, validation and deploy (side panel: editor-panel.js, reports: editor-results.js,
// visual form editor: form-editor.js, which writes into the JSON Schema textarea).
// Loaded as a file (the Content-Security-Policy allows no inline scripts).
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("kf-bundle").textContent);
  var texts = document.getElementById("kf-texts").dataset;
  var base = "/editor/" + encodeURIComponent(data.key);
  var files = data.files;
  var current = null;
  var modeler, dmnModeler, panel, formEditor;
  var results = window.KeyflowResults(function () { return modeler; });

  function $(id) { return document.getElementById(id); }
  function status(text) { $("kf-status").textContent = text; }
  function kindOf(name) {
    if (/\.bpmn$/.test(name)) { return "bpmn"; }
    if (/\.dmn$/.test(name)) { return "dmn"; }
    return "form";
  }
  function formKeys() {
    return Object.keys(files).filter(function (n) { return kindOf(n) === "form"; })
      .map(function (n) { return n.replace(/^forms\//, "").replace(/\.json$/, ""); }).sort();
  }
  // A form's title for the reader (the key while its JSON cannot be read or has no title).
  function formTitle(key) {
    var schema;
    try { schema = JSON.parse(files["forms/" + key + ".json"]); } catch (err) { return key; }
    var title = (data.title_keys || []).map(function (k) { return schema && schema[k]; })
      .filter(function (t) { return typeof t === "string" && t.trim(); })[0];
    return title ? title.trim() : key;
  }

  // ---- files: switching keeps every edit in `files` ----
  function flush() {
    if (current === null) { return Promise.resolve(); }
    var name = current;
    if (kindOf(name) === "bpmn") {
      // A value typed just before "Deploy" is still being checked: wait for it.
      return panel.settled().then(function () {
        return modeler.saveXML({ format: true });
      }).then(function (r) { files[name] = r.xml; });
    }
    if (kindOf(name) === "dmn") {
      return dmnModeler.saveXML({ format: true }).then(function (r) { files[name] = r.xml; });
    }
    files[name] = $("kf-form-text").value;
    return Promise.resolve();
  }

  function open(name) {
    return flush().then(function () {
      current = name;
      var kind = kindOf(name);
      $("kf-bpmn").hidden = kind !== "bpmn";
      $("kf-dmn").hidden = kind !== "dmn";
      $("kf-form").hidden = kind !== "form";
      if (kind === "bpmn") {
        return modeler.importXML(files[name]).then(function () {
          modeler.get("canvas").zoom("fit-viewport");
          panel.show(null);
          results.remark();
        });
      }
      if (kind === "dmn") { return dmnModeler.importXML(files[name]); }
      $("kf-form-text").value = files[name];
      formEditor.load();
      preview();
    });
  }

  function fillFileSelect() {
    var select = $("kf-file");
    select.innerHTML = "";
    Object.keys(files).sort().forEach(function (name) {
      var option = document.createElement("option");
      option.value = option.textContent = name;
      select.appendChild(option);
    });
    select.value = current;
  }

  // ---- the form preview, rendered by the server like a task page ----
  var previewTimer = null;
  var previewAsked = 0;  // answers arriving out of order: only the last one asked is shown
  function preview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(function () {
      var schema;
      try { schema = JSON.parse($("kf-form-text").value); } catch (err) {
        $("kf-form-preview").textContent = texts.badJson;
        return;
      }
      var asked = previewAsked += 1;
      window.keyflowFetch("/editor/preview", {
        method: "POST", headers: { "Content-Type": "application/json", "Accept": "text/html" },
        body: JSON.stringify({ schema: schema })
      }).then(function (r) { return r.text(); }).then(function (html) {
        if (asked !== previewAsked) { return; }
        // Server-rendered with autoescaping, from the same template as the task page.
        $("kf-form-preview").innerHTML = html;
      });
    }, 250);
  }

  function send(path) {
    status(texts.working);
    return flush().then(function () {
      return window.keyflowFetch(base + path, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ files: files })
      });
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    });
  }

  function validate() {
    return send("/validate").then(function (r) {
      var problems = r.body.problems || [];
      results.showProblems(problems);
      status(problems.length ? texts.invalid : texts.valid);
      return problems;
    });
  }

  function deploy() {
    $("kf-result").hidden = true;
    return send("/deploy").then(function (r) {
      if (r.status === 201) {
        results.showProblems([]);
        results.showSummary(r.body);
        status("");
      } else if (r.status === 422) {
        results.showProblems(Array.isArray(r.body.details) ? r.body.details : []);
        status(texts.invalid);
      } else {
        status(texts.failed + " " + (r.body.message || ""));
      }
      return r;
    });
  }

  // The side panel folds away to give the canvas the whole width; the canvas follows its box.
  function wireLayout() {
    var toggle = $("kf-panel-toggle");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.textContent = open ? texts.hidePanel : texts.showPanel;
      $("kf-panel").hidden = !open;
    });
    if (window.ResizeObserver) {
      new window.ResizeObserver(function () { modeler.get("canvas").resized(); })
        .observe($("kf-canvas"));
    }
  }

  function wireToolbar() {
    $("kf-file").addEventListener("change", function (e) { open(e.target.value); });
    $("kf-form-text").addEventListener("input", preview);
    $("kf-save").addEventListener("click", function () {
      send("/draft").then(function (r) { status(r.status === 200 ? texts.saved : texts.failed); });
    });
    $("kf-discard").addEventListener("click", function () {
      window.keyflowFetch(base + "/draft/discard", { method: "POST" }).then(function () {
        status(texts.discarded);
      });
    });
    $("kf-validate").addEventListener("click", validate);
    $("kf-deploy").addEventListener("click", deploy);
    $("kf-add-form").addEventListener("click", function () {
      var key = $("kf-new-form").value.trim().replace(/[^A-Za-z0-9_-]/g, "_");
      if (!key) { return; }
      var name = "forms/" + key + ".json";
      if (!files[name]) {
        files[name] = JSON.stringify({
          "$schema": "https://json-schema.org/draft/2020-12/schema", type: "object", title: key,
          properties: {}, required: [], additionalProperties: false }, null, 2);
      }
      flush().then(function () { current = null; fillFileSelect(); return open(name); })
        .then(function () { $("kf-file").value = name; });
    });
  }

  // The modelers' own words (palette, menus, table cells) in the reader's language, from the page.
  var modelerWords = JSON.parse($("kf-modeler-words").textContent);
  function translate(template, replacements) {
    var values = replacements || {};
    return (modelerWords[template] || template).replace(/{([^}]+)}/g, function (all, key) {
      return values[key] !== undefined ? values[key] : all;
    });
  }

  function start(descriptor) {
    modeler = new window.BpmnJS({ container: "#kf-canvas",
                                  additionalModules: [{ translate: ["value", translate] }],
                                  moddleExtensions: { spiffworkflow: descriptor } });
    var words = { additionalModules: [{ translate: ["value", translate] }] };
    dmnModeler = new window.DmnJS({ container: "#kf-dmn", drd: words, decisionTable: words,
                                    literalExpression: words, boxedExpression: words });
    panel = window.KeyflowPanel(modeler, formKeys, formTitle, data.utc_offset);
    formEditor = window.KeyflowFormEditor($("kf-form-text"));
    wireToolbar();
    wireLayout();
    var first = Object.keys(files).sort().filter(function (n) { return kindOf(n) === "bpmn"; })[0];
    fillFileSelect();
    // For the browser tests and for power users at the console.
    window.kfEditor = { modeler: modeler, dmnModeler: dmnModeler, files: files, open: open,
                        flush: flush, validate: validate, deploy: deploy,
                        setProperty: panel.setProperty, formEditor: formEditor, ready: null };
    window.kfEditor.ready = open(first).then(function () { $("kf-file").value = first; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    fetch("/static/moddle-spiffworkflow.json").then(function (r) { return r.json(); }).then(start);
  });
}());
