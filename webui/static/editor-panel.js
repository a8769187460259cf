// keyflow's side panel for the bpmn-js modeler: lane role, user task form and times, script,
// condition and timer, written as spiffworkflow:properties exactly as the engine reads them.
// Loaded as a file (the Content-Security-Policy allows no inline scripts).
(function () {
  "use strict";

  var SPIFF = "spiffworkflow:Properties";
  var TIMER_KINDS = ["timeDuration", "timeDate", "timeCycle"];

  function $(id) { return document.getElementById(id); }

  // `formKeys` returns the bundle's current form names (forms may be added while editing).
  window.KeyflowPanel = function (modeler, formKeys) {
    var selected = null;

    // ---- keyflow's extension properties (spiffworkflow:properties/spiffworkflow:property) ----
    function propertiesOf(bo) {
      var ext = bo.extensionElements;
      var found = ext && (ext.values || []).filter(function (v) { return v.$instanceOf(SPIFF); })[0];
      var result = {};
      if (found) { (found.properties || []).forEach(function (p) { result[p.name] = p.value; }); }
      return result;
    }

    function setProperty(element, name, value) {
      var moddle = modeler.get("moddle");
      var bo = element.businessObject;
      var ext = bo.extensionElements || moddle.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      var values = ext.get("values");
      var props = values.filter(function (v) { return v.$instanceOf(SPIFF); })[0];
      if (!props) {
        props = moddle.create(SPIFF, { properties: [] });
        props.$parent = ext;
        values.push(props);
      }
      var list = props.get("properties");
      var existing = list.filter(function (p) { return p.name === name; })[0];
      if (value && existing) {
        existing.value = value;
      } else if (value) {
        var created = moddle.create("spiffworkflow:Property", { name: name, value: value });
        created.$parent = props;
        list.push(created);
      } else if (existing) {
        list.splice(list.indexOf(existing), 1);
      }
      // Going through modeling puts the change on the command stack (undo, dirty state).
      modeler.get("modeling").updateProperties(element, { extensionElements: ext });
    }

    function timerOf(bo) {
      return (bo.eventDefinitions || []).filter(function (d) {
        return d.$instanceOf("bpmn:TimerEventDefinition");
      })[0];
    }

    // ---- the side panel ----
    function groupFor(element) {
      var bo = element.businessObject;
      if (bo.$instanceOf("bpmn:Lane")) { return "lane"; }
      if (bo.$instanceOf("bpmn:UserTask")) { return "userTask"; }
      if (bo.$instanceOf("bpmn:ScriptTask")) { return "scriptTask"; }
      if (bo.$instanceOf("bpmn:SequenceFlow")) { return "sequenceFlow"; }
      if (timerOf(bo)) { return "timer"; }
      return null;
    }

    function fillFormSelect(value) {
      var select = $("kf-prop-formKey");
      select.innerHTML = "";
      [""].concat(formKeys()).forEach(function (key) {
        var option = document.createElement("option");
        option.value = key;
        option.textContent = key || "—";
        select.appendChild(option);
      });
      select.value = value || "";
    }

    function showPanel(element) {
      selected = element;
      var group = element ? groupFor(element) : null;
      document.querySelectorAll(".kf-group").forEach(function (g) {
        g.hidden = g.getAttribute("data-for") !== group;
      });
      $("kf-panel-empty").hidden = !!element;
      $("kf-panel-element").textContent = element ? element.id : "";
      if (!group) { return; }
      var bo = element.businessObject;
      if (group === "lane") { $("kf-prop-role").value = bo.name || ""; }
      if (group === "userTask") {
        var props = propertiesOf(bo);
        fillFormSelect(props.formKey);
        ["dueIn", "remindBefore", "overdueEvery", "escalateAfter"].forEach(function (name) {
          $("kf-prop-" + name).value = props[name] || "";
        });
      }
      if (group === "scriptTask") { $("kf-prop-script").value = bo.script || ""; }
      if (group === "sequenceFlow") {
        $("kf-prop-condition").value = bo.conditionExpression ? bo.conditionExpression.body : "";
      }
      if (group === "timer") {
        var timer = timerOf(bo);
        var kind = TIMER_KINDS.filter(function (k) { return timer[k]; })[0];
        $("kf-prop-timer").value = kind ? timer[kind].body : "";
      }
    }

    function wirePanel() {
      var modeling = function () { return modeler.get("modeling"); };
      var moddle = function () { return modeler.get("moddle"); };
      $("kf-prop-role").addEventListener("change", function (e) {
        modeling().updateProperties(selected, { name: e.target.value });
      });
      document.querySelectorAll("#kf-panel [data-property]").forEach(function (input) {
        input.addEventListener("change", function () {
          setProperty(selected, input.getAttribute("data-property"), input.value.trim());
        });
      });
      $("kf-prop-script").addEventListener("change", function (e) {
        modeling().updateProperties(selected, { scriptFormat: "python", script: e.target.value });
      });
      $("kf-prop-condition").addEventListener("change", function (e) {
        var body = e.target.value.trim();
        modeling().updateProperties(selected, { conditionExpression: body
          ? moddle().create("bpmn:FormalExpression", { body: body }) : undefined });
      });
      $("kf-prop-timer").addEventListener("change", function (e) {
        var timer = timerOf(selected.businessObject);
        var kind = TIMER_KINDS.filter(function (k) { return timer[k]; })[0] || "timeDuration";
        var change = {};
        change[kind] = moddle().create("bpmn:FormalExpression", { body: e.target.value.trim() });
        modeling().updateModdleProperties(selected, timer, change);
      });
    }

    wirePanel();
    modeler.on("selection.changed", function (e) { showPanel(e.newSelection[0] || null); });
    modeler.on("element.changed", function (e) {
      if (selected && e.element === selected) { showPanel(selected); }
    });
    return { show: showPanel, setProperty: setProperty };
  };
}());
