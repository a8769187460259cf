// The indicators' charts (ECharts from node_modules, in the page's language).
// The scorecard's chart shows one indicator at a time, a bar per row coloured by its status
// and the target as a marker beside it. Every other indicator has its own chart beside its
// numbers, drawn from #kpi-charts-data (webui/kpis/charts.py says what each kind holds).
(function () {
  "use strict";

  var COLOURS = { green: "#2e7d32", amber: "#f9a825", red: "#c62828" };
  var NEUTRAL = "#90a4ae";
  var TARGET = "#263238";

  function locale() {
    return (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
  }

  function make(el) {
    return window.echarts.init(el, null, { renderer: "svg", locale: locale() });
  }

  function scaled(value, rate) {
    return value === null || value === undefined ? null : (rate ? Math.round(value * 1000) / 10 : value);
  }

  function categoryAxis(names) {
    return { type: "category", data: names,
             axisLabel: { interval: 0, rotate: names.length > 6 ? 30 : 0, hideOverlap: true } };
  }

  // Counts get whole-number ticks; rates are shown as percentages.
  function valueAxis(rate, integer) {
    return { type: "value", minInterval: integer ? 1 : 0,
             axisLabel: { formatter: rate ? "{value}%" : "{value}" } };
  }

  // A bar per group coloured by status, the target as a dark mark across it.
  function targetOption(spec) {
    var bars = spec.values.map(function (value, i) {
      return { value: scaled(value, spec.rate),
               itemStyle: { color: COLOURS[spec.statuses[i]] || NEUTRAL } };
    });
    var targets = spec.targets.map(function (t) { return scaled(t, spec.rate); });
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [spec.value_label, spec.target_label] },
      grid: { left: 48, right: 16, top: 36, bottom: 64 },
      xAxis: categoryAxis(spec.categories),
      yAxis: valueAxis(spec.rate, !spec.rate && spec.integer),
      series: [
        { name: spec.value_label, type: "bar", data: bars, barMaxWidth: 40 },
        { name: spec.target_label, type: "scatter", data: targets, symbol: "rect",
          symbolSize: [36, 3], itemStyle: { color: TARGET } }
      ]
    };
  }

  function barsOption(spec) {
    var names = spec.series.map(function (s) { return s.name; });
    var series = spec.series.map(function (s) {
      return { name: s.name, type: "bar", data: s.values, barMaxWidth: 40,
               stack: spec.stack ? "all" : undefined };
    });
    var categories = categoryAxis(spec.categories);
    var values = valueAxis(false, spec.integer);
    if (spec.horizontal) {
      categories.axisLabel = { interval: 0, width: 160, overflow: "truncate" };
    }
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { type: "scroll", top: 0, data: names },
      grid: { left: spec.horizontal ? 170 : 56, right: 16, top: 36, bottom: 64 },
      xAxis: spec.horizontal ? values : categories,
      yAxis: spec.horizontal ? categories : values,
      series: series
    };
  }

  function linesOption(spec) {
    return {
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0, data: spec.series.map(function (s) { return s.name; }) },
      grid: { left: 48, right: 16, top: 36, bottom: 40 },
      xAxis: { type: "category", data: spec.categories, boundaryGap: spec.categories.length < 2 },
      yAxis: { type: "value", minInterval: 1 },
      series: spec.series.map(function (s) {
        return { name: s.name, type: "line", data: s.values, symbolSize: 6 };
      })
    };
  }

  function pieOption(spec) {
    return {
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { type: "scroll", bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], data: spec.items,
                 label: { formatter: "{b}\n{d}%" } }]
    };
  }

  var OPTIONS = { target: targetOption, bars: barsOption, lines: linesOption, pie: pieOption };

  function isEmpty(spec) {
    if (spec.kind === "pie") { return spec.items.length === 0; }
    return spec.categories.length === 0;
  }

  function emptyOption(text) {
    return { title: { text: text, left: "center", top: "middle",
                      textStyle: { color: NEUTRAL, fontSize: 14, fontWeight: "normal" } } };
  }

  function drawIndicators(charts) {
    var source = document.getElementById("kpi-charts-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var boxes = document.querySelectorAll(".kpi-indicator-chart[data-chart]");
    Array.prototype.forEach.call(boxes, function (el) {
      var spec = data.charts[el.getAttribute("data-chart")];
      if (!spec || !OPTIONS[spec.kind]) { return; }
      var chart = make(el);
      chart.setOption(isEmpty(spec) ? emptyOption(data.empty) : OPTIONS[spec.kind](spec), true);
      el.setAttribute("data-ready", isEmpty(spec) ? "empty" : "true");
      charts.push(chart);
    });
  }

  function drawScorecard(chart, data, key) {
    var indicator = data.indicators.filter(function (i) { return i.key === key; })[0];
    chart.setOption(targetOption({
      categories: data.rows.map(function (r) { return r.name; }),
      values: data.rows.map(function (r) { return r.scores[key].value; }),
      targets: data.rows.map(function (r) { return r.scores[key].target; }),
      statuses: data.rows.map(function (r) { return r.scores[key].status; }),
      rate: indicator.rate, value_label: indicator.label, target_label: data.target
    }), true);
  }

  function drawScorecardChart(charts) {
    var el = document.getElementById("kpi-chart");
    var source = document.getElementById("kpi-chart-data");
    var choice = document.getElementById("chart-indicator");
    if (!el || !source || !choice) { return; }
    var data = JSON.parse(source.textContent);
    var chart = make(el);
    drawScorecard(chart, data, choice.value);
    choice.addEventListener("change", function () { drawScorecard(chart, data, choice.value); });
    charts.push(chart);
    el.setAttribute("data-ready", "true");
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    var charts = [];
    drawScorecardChart(charts);
    drawIndicators(charts);
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  });
})();
