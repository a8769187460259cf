// keyflow's side panel for the bpmn-js modeler: lane role, user task form and times, script,
// condition and timer, written as spiffworkflow:properties exactly as the engine reads them.
// Loaded as a file (the Content-Security-Policy allows no inline scripts).
(function () {
  "use strict";

  var SPIFF = "spiffworkflow:Properties";
  var TIMER_KINDS = ["timeDuration", "timeDate", "timeCycle"];

  function $(id) { return document.getElementById(id); }

  // ---- timers: what a person types, and the expression stored for it ----
  // A literal (P3D, 3天, 2 hours, R3/P1D, 2026-03-10 09:00) is stored as a quoted ISO value,
  // so it can never be read as a variable name; an expression is typed after "=".
  var ISO_DURATION = /^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
  var UNITS = [
    [/^(年|y|yr|yrs|year|years)$/i, "Y", false], [/^(个月|月|mo|month|months)$/i, "M", false],
    [/^(周|星期|w|wk|week|weeks)$/i, "W", false], [/^(天|日|d|day|days)$/i, "D", false],
    [/^(小时|个小时|时|h|hr|hrs|hour|hours)$/i, "H", true],
    [/^(分钟|分|min|mins|minute|minutes|m)$/i, "M", true]
  ];

  function durationFromWords(text) {
    var re = /(\d+)\s*([^\d\s,，]+)[\s,，]*/g, match, date = "", time = "", used = 0;
    while ((match = re.exec(text)) !== null) {
      if (match.index !== used) { return null; }
      used = re.lastIndex;
      var unit = UNITS.filter(function (u) { return u[0].test(match[2]); })[0];
      if (!unit) { return null; }
      if (unit[2]) { time += match[1] + unit[1]; } else { date += match[1] + unit[1]; }
    }
    if (used !== text.length || (!date && !time)) { return null; }
    return "P" + date + (time ? "T" + time : "");
  }

  // {kind, value} for a literal a person typed, or null when it is none keyflow knows.
  function timerLiteral(raw, offset) {
    var text = raw.trim();
    var upper = text.toUpperCase();
    var cycle = /^R(\d+)\/(P.*)$/.exec(upper);
    if (cycle) {
      return ISO_DURATION.test(cycle[2]) ? { kind: "timeCycle", value: upper } : null;
    }
    if (/^P/.test(upper)) {
      return ISO_DURATION.test(upper) ? { kind: "timeDuration", value: upper } : null;
    }
    var day = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2}))?$/.exec(text);
    if (day) {
      var when = new Date(Date.UTC(+day[1], +day[2] - 1, +day[3], +(day[4] || 0), +(day[5] || 0)));
      if (when.getUTCMonth() !== +day[2] - 1 || when.getUTCDate() !== +day[3] ||
          +(day[4] || 0) > 23 || +(day[5] || 0) > 59) { return null; }
      var pad = function (n) { return ("0" + n).slice(-2); };
      return { kind: "timeDate", value: day[1] + "-" + day[2] + "-" + day[3] + "T" +
        pad(+(day[4] || 0)) + ":" + pad(+(day[5] || 0)) + ":00" + (offset || "") };
    }
    var words = durationFromWords(text);
    return words ? { kind: "timeDuration", value: words } : null;
  }

  // What the timer field shows for a stored expression: the literal, or "=expression".
  function timerShown(body) {
    var text = (body || "").trim();
    var quoted = /^"([^"\\]*)"$|^'([^'\\]*)'$/.exec(text);
    if (quoted) { return quoted[1] !== undefined ? quoted[1] : quoted[2]; }
    return text ? "=" + text : "";
  }

  window.KeyflowTimers = { literal: timerLiteral, shown: timerShown };

  // `formKeys` returns the bundle's current form names (forms may be added while editing).
  window.KeyflowPanel = function (modeler, formKeys, utcOffset) {
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
        $("kf-prop-timer").value = kind ? timerShown(timer[kind].body) : "";
        $("kf-prop-timer-stored").textContent = kind ? (timer[kind].body || "") : "";
        $("kf-prop-timer-error").hidden = true;
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
        var typed = e.target.value.trim();
        var body;
        if (typed.charAt(0) === "=") {
          body = typed.slice(1).trim();  // an expression: stored as typed, kind kept
        } else {
          var literal = typed ? timerLiteral(typed, utcOffset) : null;
          if (typed && !literal) {
            $("kf-prop-timer-error").hidden = false;
            return;  // nothing stored: the field keeps what was typed, with the hint
          }
          if (literal) { kind = literal.kind; body = JSON.stringify(literal.value); }
        }
        $("kf-prop-timer-error").hidden = true;
        var change = {};
        TIMER_KINDS.forEach(function (k) { if (k !== kind && timer[k]) { change[k] = undefined; } });
        change[kind] = body ? moddle().create("bpmn:FormalExpression", { body: body }) : undefined;
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
