// What a person types for a time in the editor's side panel, and what keyflow stores for it:
// timers (a duration, a date, a cycle, or "=" and an expression) and the duration properties
// (dueIn, remindBefore, …). Loaded as a file (the Content-Security-Policy allows no inline scripts).
(function () {
  "use strict";

  // A literal (P3D, 3天, 2 hours, R3/P1D, 2026-03-10 09:00) is stored as a quoted ISO value,
  // so it can never be read as a variable name; an expression is typed after "=".
  var ISO_DURATION = /^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
  var UNITS = [
    [/^(年|y|yr|yrs|year|years)$/i, "Y", false], [/^(个月|月|mo|month|months)$/i, "M", false],
    [/^(周|星期|w|wk|week|weeks)$/i, "W", false], [/^(天|日|d|day|days)$/i, "D", false],
    [/^(小时|个小时|时|h|hr|hrs|hour|hours)$/i, "H", true],
    [/^(分钟|分|min|mins|minute|minutes|m)$/i, "M", true],
    [/^(秒|秒钟|s|sec|secs|second|seconds)$/i, "S", true]
  ];
  // The words the engine takes for "no such reminder" (engine/deployment/reminder_checks.py).
  var SWITCHED_OFF = ["none", "off", "never", "no", "0"];

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

  // An ISO duration for "P3D", "p3d", "3天", "2 hours"; null for anything else.
  function duration(raw) {
    var text = raw.trim();
    var upper = text.toUpperCase();
    if (/^P/.test(upper)) { return ISO_DURATION.test(upper) ? upper : null; }
    return durationFromWords(text);
  }

  // {kind, value} for a literal a person typed, or null when it is none keyflow knows.
  function timerLiteral(raw, offset) {
    var text = raw.trim();
    var upper = text.toUpperCase();
    var cycle = /^R(\d+)\/(P.*)$/.exec(upper);
    if (cycle) {
      return ISO_DURATION.test(cycle[2]) ? { kind: "timeCycle", value: upper } : null;
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
    var iso = duration(text);
    return iso ? { kind: "timeDuration", value: iso } : null;
  }

  // What the timer field shows for a stored expression: the literal, or "=expression".
  function timerShown(body) {
    var text = (body || "").trim();
    var quoted = /^"([^"\\]*)"$|^'([^'\\]*)'$/.exec(text);
    if (quoted) { return quoted[1] !== undefined ? quoted[1] : quoted[2]; }
    return text ? "=" + text : "";
  }

  // What a duration property stores for what was typed: the ISO duration, "none" for a
  // reminder switched off (when `mayBeOff`), else the text as typed (the check says why not).
  function propertyValue(raw, mayBeOff) {
    var text = raw.trim();
    if (mayBeOff && SWITCHED_OFF.indexOf(text.toLowerCase()) >= 0) { return "none"; }
    return duration(text) || text;
  }

  window.KeyflowTimers = { literal: timerLiteral, shown: timerShown, duration: duration,
                           propertyValue: propertyValue };
}());
