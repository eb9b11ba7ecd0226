/* Performance charts, drawn like rmperf/charts.js: every element with data-chart is
   built by ECharts from the JSON block named by data-source (json_script). */
(function () {
  "use strict";

  function data(el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  var builders = {
    // RMs per final tier, best tier first.
    "tiers": function (d) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 16, right: 16, top: 16, bottom: 16, containLabel: true },
        xAxis: { type: "category", data: d.tiers.map(function (t) { return t.name; }) },
        yAxis: { type: "value", minInterval: 1, name: d.labels.rms },
        series: [{ type: "bar", data: d.tiers.map(function (t) { return t.count; }) }]
      };
    },
    // Weight available and points earned per balanced-scorecard perspective.
    "bsc": function (d) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { bottom: 0, data: [d.labels.weight, d.labels.points] },
        grid: { left: 16, right: 16, top: 16, bottom: 32, containLabel: true },
        xAxis: { type: "category", data: d.bsc.map(function (g) { return g.name; }) },
        yAxis: { type: "value" },
        series: [
          { name: d.labels.weight, type: "bar", data: d.bsc.map(function (g) { return Number(g.weight); }) },
          { name: d.labels.points, type: "bar", data: d.bsc.map(function (g) { return Number(g.points); }) }
        ]
      };
    }
  };

  function draw(root) {
    if (typeof echarts === "undefined") { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var build = builders[el.getAttribute("data-chart")];
      var d = data(el);
      if (!build || !d || el.getAttribute("data-drawn")) { return; }
      try {
        var chart = echarts.init(el, null, { renderer: "svg" });
        chart.setOption(build(d));
        el.setAttribute("data-drawn", "1");
        window.addEventListener("resize", function () { chart.resize(); });
      } catch (err) {
        if (window.console) { window.console.error("chart", el.getAttribute("data-chart"), err); }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
})();
