// The scorecard's chart (ECharts from node_modules): one indicator at a time, a bar per row
// coloured by its status, the target as a marker beside it.
(function () {
  "use strict";

  var COLOURS = { green: "#2e7d32", amber: "#f9a825", red: "#c62828" };

  function draw(chart, data, key) {
    var indicator = data.indicators.filter(function (i) { return i.key === key; })[0];
    var scale = indicator.rate ? 100 : 1;
    var bars = data.rows.map(function (row) {
      var score = row.scores[key];
      return { value: score.value === null ? null : score.value * scale,
               itemStyle: { color: COLOURS[score.status] || "#90a4ae" } };
    });
    var targets = data.rows.map(function (row) {
      var target = row.scores[key].target;
      return target === null ? null : target * scale;
    });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [indicator.label, data.target] },
      grid: { left: 48, right: 16, top: 36, bottom: 64 },
      xAxis: { type: "category", data: data.rows.map(function (r) { return r.name; }),
               axisLabel: { interval: 0, rotate: data.rows.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", axisLabel: { formatter: indicator.rate ? "{value}%" : "{value}" } },
      series: [
        { name: indicator.label, type: "bar", data: bars, barMaxWidth: 40 },
        { name: data.target, type: "scatter", data: targets, symbol: "rect",
          symbolSize: [36, 3], itemStyle: { color: "#263238" } }
      ]
    }, true);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("kpi-chart");
    var source = document.getElementById("kpi-chart-data");
    var choice = document.getElementById("chart-indicator");
    if (!el || !source || !choice || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    draw(chart, data, choice.value);
    choice.addEventListener("change", function () { draw(chart, data, choice.value); });
    window.addEventListener("resize", function () { chart.resize(); });
    el.setAttribute("data-ready", "true");
  });
})();
