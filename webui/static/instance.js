// The instance diagram (app.js's keyflowDiagram), with the steps done, the steps waiting now
// and the sequence flows taken marked by CSS classes.
(function () {
  "use strict";

  function ids(el, name) {
    var raw = el.getAttribute(name) || "";
    return raw.split(" ").filter(function (s) { return s.length > 0; });
  }

  function marks(el) {
    var done = ids(el, "data-completed");
    var active = ids(el, "data-active");
    var taken = ids(el, "data-taken");
    return function (viewer) {
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
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("diagram");
    if (el && window.BpmnJS && window.keyflowDiagram) { window.keyflowDiagram(el, marks(el)); }
  });
})();
