// keyflow's side panel for the bpmn-js modeler: names in Chinese and English, lane role,
// user task form, due time and reminders, script, condition and timer, written exactly as
// the engine reads them (editor-model.js). Each time or reminder value is checked by the
// server with the deploy's own check before it is stored (POST /editor/property), so the
// message is the deploy's, in the reader's language. Every word shown comes from the page.
// Loaded as a file (the Content-Security-Policy allows no inline scripts).
(function () {
  "use strict";

  var TIMER_KINDS = ["timeDuration", "timeDate", "timeCycle"];
  var Timers = window.KeyflowTimers;

  function $(id) { return document.getElementById(id); }
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }

  // `formKeys` returns the bundle's current form keys (forms may be added while editing),
  // `formTitle(key)` the title a reader knows the form by.
  window.KeyflowPanel = function (modeler, formKeys, formTitle, utcOffset) {
    var model = window.KeyflowModel(modeler);
    var selected = null;
    var pending = [];  // checks under way: saving waits for them (settled())

    // What the panel offers for an element (each field's data-for lists the kinds it serves).
    function kindOf(element) {
      var bo = element.businessObject;
      if (bo.$instanceOf("bpmn:Lane")) { return "lane"; }
      if (bo.$instanceOf("bpmn:Participant") || bo.$instanceOf("bpmn:Process")) { return "process"; }
      if (bo.$instanceOf("bpmn:UserTask")) { return "userTask"; }
      if (bo.$instanceOf("bpmn:ScriptTask")) { return "scriptTask"; }
      if (bo.$instanceOf("bpmn:SequenceFlow")) { return "sequenceFlow"; }
      if (model.timerOf(element)) { return "timer"; }
      return "other";
    }

    function fillFormSelect(value) {
      var select = $("kf-prop-formKey");
      select.innerHTML = "";
      [""].concat(formKeys()).forEach(function (key) {
        var option = document.createElement("option");
        option.value = key;
        option.textContent = key ? formTitle(key) : select.getAttribute("data-none");
        select.appendChild(option);
      });
      select.value = value || "";
    }

    function showPanel(chosen) {
      var element = chosen && chosen.type === "label" ? chosen.labelTarget : chosen;
      if (!element) {
        // Nothing selected in a diagram without a pool: the process's own settings.
        var root = modeler.get("canvas").getRootElement();
        element = root && root.businessObject && root.businessObject.$instanceOf("bpmn:Process")
          ? root : null;
      }
      selected = element;
      var kind = element ? kindOf(element) : null;
      each("#kf-panel [data-for]", function (field) {
        field.hidden = !kind || field.getAttribute("data-for").split(" ").indexOf(kind) < 0;
      });
      each("#kf-panel .error", function (box) { box.hidden = true; });
      $("kf-panel-empty").hidden = !!chosen;
      $("kf-panel-element").textContent = "";
      if (!element) { return; }
      var bo = element.businessObject;
      var names = model.namesOf(element);
      $("kf-panel-element").textContent = (names.zh ? names.zh + " · " : "") + element.id;
      $("kf-prop-name").value = names.zh;
      $("kf-prop-name-en").value = names.en;
      var props = model.propertiesOf(element);
      each("#kf-panel [data-duration]", function (input) {
        input.value = props[input.getAttribute("data-duration")] || "";
      });
      each("#kf-panel [data-roles]", function (box) {
        var chosen = (props[box.getAttribute("data-roles")] || "").split(",")
          .map(function (r) { return r.trim(); });
        each("#" + box.id + " input", function (input) {
          input.checked = chosen.indexOf(input.value) >= 0;
        });
      });
      if (kind === "lane") { $("kf-prop-role").value = bo.name || ""; }
      if (kind === "userTask") { fillFormSelect(props.formKey); }
      if (kind === "scriptTask") { $("kf-prop-script").value = bo.script || ""; }
      if (kind === "sequenceFlow") {
        $("kf-prop-condition").value = bo.conditionExpression ? bo.conditionExpression.body : "";
      }
      if (kind === "timer") {
        var timer = model.timerOf(element);
        var stored = TIMER_KINDS.filter(function (k) { return timer[k]; })[0];
        $("kf-prop-timer").value = stored ? Timers.shown(timer[stored].body) : "";
        $("kf-prop-timer-stored").textContent = stored ? (timer[stored].body || "") : "";
        $("kf-prop-timer-kind").value = stored || "timeDuration";
      }
    }

    // A duration property: what was typed made canonical, checked by the server, then stored.
    function durationChanged(input) {
      var element = selected;
      var name = input.getAttribute("data-duration");
      var error = $(input.id + "-error");
      var typed = input.value.trim();
      var value = typed ? Timers.propertyValue(typed, input.hasAttribute("data-may-be-off")) : "";
      if (!value) {
        error.hidden = true;
        model.setProperty(element, name, "");
        return Promise.resolve(true);
      }
      var check = window.keyflowFetch("/editor/property", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: name, value: value })
      }).then(function (r) { return r.json(); }).then(function (body) {
        error.textContent = body.problem || body.message || "";
        error.hidden = !error.textContent;
        if (error.hidden) {
          model.setProperty(element, name, value);  // shown again as stored (P3D for 3天)
        }
        return error.hidden;
      }).catch(function () {
        error.textContent = $("kf-texts").dataset.failed;  // nothing stored
        error.hidden = false;
        return false;
      });
      pending.push(check);
      return check;
    }

    // Resolves once every value typed so far is checked and stored (or refused).
    function settled() {
      var waiting = pending;
      pending = [];
      return Promise.all(waiting);
    }

    function rolesChanged(box) {
      var chosen = [];
      each("#" + box.id + " input:checked", function (input) { chosen.push(input.value); });
      model.setProperty(selected, box.getAttribute("data-roles"), chosen.join(","));
    }

    function timerChanged(typed) {
      var timer = model.timerOf(selected);
      var kind = TIMER_KINDS.filter(function (k) { return timer[k]; })[0] || "timeDuration";
      var body;
      if (typed.charAt(0) === "=") {
        body = typed.slice(1).trim();  // an expression: stored as typed, kind kept
      } else {
        var literal = typed ? Timers.literal(typed, utcOffset) : null;
        if (typed && !literal) {
          $("kf-prop-timer-error").hidden = false;
          return;  // nothing stored: the field keeps what was typed, with the hint
        }
        if (literal) { kind = literal.kind; body = JSON.stringify(literal.value); }
      }
      $("kf-prop-timer-error").hidden = true;
      var change = {};
      TIMER_KINDS.forEach(function (k) { if (k !== kind && timer[k]) { change[k] = undefined; } });
      change[kind] = body ? modeler.get("moddle").create("bpmn:FormalExpression", { body: body }) : undefined;
      modeler.get("modeling").updateModdleProperties(selected, timer, change);
    }

    // The kind an expression's value is read as (a literal sets it itself): the body moves.
    function timerKindChanged(kind) {
      var timer = model.timerOf(selected);
      var from = TIMER_KINDS.filter(function (k) { return timer[k]; })[0];
      if (!from || from === kind) { return; }
      var change = {};
      change[from] = undefined;
      change[kind] = modeler.get("moddle").create("bpmn:FormalExpression", { body: timer[from].body });
      modeler.get("modeling").updateModdleProperties(selected, timer, change);
    }

    function wirePanel() {
      var modeling = function () { return modeler.get("modeling"); };
      var names = function () {
        model.setNames(selected, $("kf-prop-name").value.trim(), $("kf-prop-name-en").value.trim());
      };
      $("kf-prop-name").addEventListener("change", names);
      $("kf-prop-name-en").addEventListener("change", names);
      $("kf-prop-role").addEventListener("change", function (e) {
        modeling().updateProperties(selected, { name: e.target.value });
      });
      $("kf-prop-formKey").addEventListener("change", function (e) {
        model.setProperty(selected, "formKey", e.target.value);
      });
      each("#kf-panel [data-duration]", function (input) {
        input.addEventListener("change", function () { durationChanged(input); });
      });
      each("#kf-panel [data-roles]", function (box) {
        box.addEventListener("change", function () { rolesChanged(box); });
      });
      $("kf-prop-script").addEventListener("change", function (e) {
        modeling().updateProperties(selected, { scriptFormat: "python", script: e.target.value });
      });
      $("kf-prop-condition").addEventListener("change", function (e) {
        var body = e.target.value.trim();
        modeling().updateProperties(selected, { conditionExpression: body
          ? modeler.get("moddle").create("bpmn:FormalExpression", { body: body }) : undefined });
      });
      $("kf-prop-timer").addEventListener("change", function (e) { timerChanged(e.target.value.trim()); });
      $("kf-prop-timer-kind").addEventListener("change", function (e) { timerKindChanged(e.target.value); });
    }

    wirePanel();
    modeler.on("selection.changed", function (e) { showPanel(e.newSelection[0] || null); });
    modeler.on("element.changed", function (e) {
      if (selected && e.element === selected) { showPanel(selected); }
    });
    return { show: showPanel, setProperty: model.setProperty, settled: settled };
  };
}());
