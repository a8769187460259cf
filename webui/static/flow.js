// Where the flow stalls: the process diagram (app.js's keyflowDiagram) with a badge on each
// step: tasks, 90th percentile of the wait (hours) and the share overdue, coloured by it.
(function () {
  "use strict";

  function hours(seconds) {
    return seconds === null ? "–" : (seconds / 3600).toFixed(1) + "h";
  }

  function level(share) {
    if (share === null || share === 0) { return "kf-flow-ok"; }
    return share > 0.25 ? "kf-flow-bad" : "kf-flow-warn";
  }

  function badges(steps) {
    return function (viewer) {
      var overlays = viewer.get("overlays");
      var registry = viewer.get("elementRegistry");
      var canvas = viewer.get("canvas");
      steps.forEach(function (step) {
        if (!registry.get(step.element_id)) { return; }
        var badge = document.createElement("div");
        badge.className = "kf-flow-badge " + level(step.overdue_share);
        badge.setAttribute("data-step", step.element_id);
        badge.textContent = step.count + " · " + hours(step.wait_p90_s) + " · " +
          Math.round((step.overdue_share || 0) * 100) + "%";
        overlays.add(step.element_id, { position: { bottom: 4, left: 0 }, html: badge });
        canvas.addMarker(step.element_id, level(step.overdue_share));
      });
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("diagram");
    var data = document.getElementById("flow-figures");
    if (el && data && window.BpmnJS && window.keyflowDiagram) {
      window.keyflowDiagram(el, badges(JSON.parse(data.textContent)));
    }
  });
})();
