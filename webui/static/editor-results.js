// What the editor reports back: validation problems (listed, and marked on the canvas) and
// the deploy summary, which names elements and forms as the reader knows them (the server
// words it in the reader's language: webui/editor/summary.py).
// Loaded as a file (the Content-Security-Policy allows no inline scripts).
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  window.KeyflowResults = function (getModeler) {
    var lastProblems = [];
    var marked = [];

    function markProblems(problems) {
      lastProblems = problems;
      var modeler = getModeler();
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

    // The summary of a deploy: {elements: [{what, id, label, text}], forms: [...]}, worded
    // by the server; null when nothing changed.
    function showSummary(result) {
      $("kf-result").hidden = false;
      $("kf-result-version").textContent = result.version ? "v" + result.version : "";
      $("kf-result-unchanged").hidden = !!result.summary;
      var list = $("kf-diff");
      list.innerHTML = "";
      var summary = result.summary || { elements: [], forms: [] };
      summary.elements.concat(summary.forms).forEach(function (entry) {
        var item = document.createElement("li");
        item.className = "diff-" + entry.what;
        item.setAttribute("data-id", entry.id);
        item.textContent = entry.text;
        list.appendChild(item);
      });
    }

    return { markProblems: markProblems, remark: function () { markProblems(lastProblems); },
             showProblems: showProblems, showSummary: showSummary };
  };
}());
