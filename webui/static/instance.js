// The instance diagram: bpmn-js NavigatedViewer (served from node_modules), with the steps
// done, the steps waiting now and the sequence flows taken marked by CSS classes.
(function () {
  "use strict";

  function ids(el, name) {
    var raw = el.getAttribute(name) || "";
    return raw.split(" ").filter(function (s) { return s.length > 0; });
  }

  function show(el) {
    var done = ids(el, "data-completed");
    var active = ids(el, "data-active");
    var taken = ids(el, "data-taken");
    var viewer = new window.BpmnJS({ container: el });
    fetch(el.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        var reached = {};
        done.forEach(function (id) { reached[id] = "done"; });
        active.forEach(function (id) { if (!reached[id]) { reached[id] = "active"; } });
        Object.keys(reached).forEach(function (id) {
          if (registry.get(id)) {
            canvas.addMarker(id, reached[id] === "done" ? "kf-done" : "kf-active");
          }
        });
        // The server lists the steps taken as "from>to" pairs; mark the flows between them.
        var steps = {};
        taken.forEach(function (pair) { steps[pair] = true; });
        registry.filter(function (e) { return e.type === "bpmn:SequenceFlow"; })
          .forEach(function (flow) {
            var source = flow.businessObject.sourceRef, target = flow.businessObject.targetRef;
            if (source && target && steps[source.id + ">" + target.id]) {
              canvas.addMarker(flow.id, "kf-taken");
            }
          });
        canvas.zoom("fit-viewport");
        if (window.keyflowZoomControls) { window.keyflowZoomControls(viewer, el); }
        el.setAttribute("data-ready", "true");
      })
      .catch(function () {
        el.textContent = el.getAttribute("data-error");
        el.setAttribute("data-ready", "error");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("diagram");
    if (el && window.BpmnJS) { show(el); }
  });
})();
