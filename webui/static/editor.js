// The process editor: bpmn-js and dmn-js modelers, forms with a server-rendered preview,
// drafts, validation with problem markers, and deploy with a diff (panel: editor-panel.js,
// visual form editor: form-editor.js, which writes into the JSON Schema textarea).
// Loaded as a file (the Content-Security-Policy allows no inline scripts).
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("kf-bundle").textContent);
  var texts = document.getElementById("kf-texts").dataset;
  var base = "/editor/" + encodeURIComponent(data.key);
  var files = data.files;
  var current = null;
  var marked = [];
  var modeler, dmnModeler, panel, formEditor;

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

  // ---- files: switching keeps every edit in `files` ----
  function flush() {
    if (current === null) { return Promise.resolve(); }
    var name = current;
    if (kindOf(name) === "bpmn") {
      return modeler.saveXML({ format: true }).then(function (r) { files[name] = r.xml; });
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
          markProblems(lastProblems);
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
        $("kf-form-preview").textContent = String(err.message);
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

  // ---- problems and results ----
  var lastProblems = [];
  function markProblems(problems) {
    lastProblems = problems;
    if (!modeler) { return; }
    var canvas = modeler.get("canvas");
    var registry = modeler.get("elementRegistry");
    marked.forEach(function (id) { if (registry.get(id)) { canvas.removeMarker(id, "kf-problem"); } });
    marked = [];
    problems.forEach(function (p) {
      if (p.element_id && registry.get(p.element_id)) {
        canvas.addMarker(p.element_id, "kf-problem");
        marked.push(p.element_id);
      }
    });
  }

  function showProblems(problems) {
    var list = $("kf-problem-list");
    list.innerHTML = "";
    problems.forEach(function (p) {
      var item = document.createElement("li");
      item.className = "problem";
      item.setAttribute("data-element", p.element_id || "");
      item.textContent = (p.file || "-") + " · " + (p.element_id || "-") + ": " + p.reason;
      list.appendChild(item);
    });
    $("kf-problems").hidden = problems.length === 0;
    markProblems(problems);
  }

  function showDiff(result) {
    $("kf-result").hidden = false;
    $("kf-result-version").textContent = result.version ? "v" + result.version : "";
    $("kf-result-unchanged").hidden = !!result.diff;
    var list = $("kf-diff");
    list.innerHTML = "";
    var diff = result.diff || { added: [], removed: [], changed: [] };
    ["added", "removed", "changed"].forEach(function (what) {
      diff[what].forEach(function (c) {
        var item = document.createElement("li");
        item.className = "diff-" + what;
        var details = Object.keys(c.changes || {}).join(", ");
        item.textContent = texts[what] + ": " + c.element_id + " (" + c.kind + ")" +
          (details ? " — " + details : "");
        list.appendChild(item);
      });
    });
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
      showProblems(problems);
      status(problems.length ? texts.invalid : texts.valid);
      return problems;
    });
  }

  function deploy() {
    $("kf-result").hidden = true;
    return send("/deploy").then(function (r) {
      if (r.status === 201) {
        showProblems([]);
        showDiff(r.body);
        status("");
      } else if (r.status === 422) {
        showProblems(Array.isArray(r.body.details) ? r.body.details : []);
        status(texts.invalid);
      } else {
        status(texts.failed + " " + (r.body.message || ""));
      }
      return r;
    });
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

  function start(descriptor) {
    modeler = new window.BpmnJS({ container: "#kf-canvas",
                                  moddleExtensions: { spiffworkflow: descriptor } });
    dmnModeler = new window.DmnJS({ container: "#kf-dmn" });
    panel = window.KeyflowPanel(modeler, formKeys, data.utc_offset);
    formEditor = window.KeyflowFormEditor($("kf-form-text"));
    wireToolbar();
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
