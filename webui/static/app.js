// keyflow's page behaviour: CSRF on fetch calls, add/remove rows in list fields, confirmations.
// Loaded as a file (the Content-Security-Policy allows no inline scripts).
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // fetch() that carries the session's CSRF token; for the editor and other scripted calls.
  window.keyflowFetch = function (url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = new Headers(options.headers || {});
    options.headers.set("X-CSRF-Token", csrfToken());
    if (!options.headers.has("Accept")) { options.headers.set("Accept", "application/json"); }
    return fetch(url, options);
  };

  function nextIndex(container) {
    var max = -1;
    container.querySelectorAll(".row-item").forEach(function (row) {
      var i = parseInt(row.getAttribute("data-index"), 10);
      if (!isNaN(i) && i > max) { max = i; }
    });
    return max + 1;
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      event.preventDefault();
      var name = add.getAttribute("data-add-row");
      var container = document.getElementById("rows-" + name);
      var template = document.getElementById("tpl-" + name);
      if (!container || !template) { return; }
      var html = template.innerHTML.split("__i__").join(String(nextIndex(container)));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      container.appendChild(row);
      var first = row.querySelector("input, select, textarea");
      if (first) { first.focus(); }
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      event.preventDefault();
      var item = remove.closest(".row-item");
      if (item) { item.remove(); }
    }
  });

  // A diagram box (instance diagrams, the flow page): bpmn-js NavigatedViewer on `el`, the
  // BPMN XML from its data-url, `decorate(viewer)` to mark it, fitted, with zoom buttons a
  // phone can use (no mouse wheel there); data-ready says "true" or "error".
  window.keyflowDiagram = function (el, decorate) {
    var viewer = new window.BpmnJS({ container: el });
    fetch(el.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        decorate(viewer);
        viewer.get("canvas").zoom("fit-viewport");
        zoomControls(viewer, el);
        el.setAttribute("data-ready", "true");
      })
      .catch(function () {
        el.textContent = el.getAttribute("data-error");
        el.setAttribute("data-ready", "error");
      });
  };

  function zoomControls(viewer, el) {
    var canvas = viewer.get("canvas");
    var bar = document.createElement("div");
    bar.className = "zoom-controls";
    [["+", 1.25, el.getAttribute("data-zoom-in") || "Zoom in"],
     ["−", 0.8, el.getAttribute("data-zoom-out") || "Zoom out"],
     ["⤢", 0, el.getAttribute("data-zoom-fit") || "Fit"]].forEach(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = spec[0];
      button.setAttribute("aria-label", spec[2]);
      button.addEventListener("click", function () {
        if (spec[1] === 0) { canvas.zoom("fit-viewport", "auto"); }
        else { canvas.zoom(canvas.zoom() * spec[1]); }
      });
      bar.appendChild(button);
    });
    el.appendChild(bar);
  }

  // After a refused submission, put the keyboard on the first field to fix.
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector(".field.invalid input, .field.invalid select, " +
                                         ".field.invalid textarea");
    if (invalid) { invalid.focus(); }
  });

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });

  // An attachment over the limit is refused before it is sent (the server refuses it too,
  // with the same words, when scripts are off).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
    var input = form.querySelector('input[type="file"]');
    var note = form.querySelector(".upload-error");
    if (!limit || !input || !note) { return; }
    var file = input.files && input.files[0];
    var tooLarge = !!file && file.size > limit;
    note.hidden = !tooLarge;
    note.textContent = tooLarge ? form.getAttribute("data-msg-too-large") : "";
    if (tooLarge) { event.preventDefault(); }
  });
})();
