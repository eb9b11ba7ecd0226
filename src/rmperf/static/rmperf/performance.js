/* Performance charts, drawn like rmperf/charts.js: every element with data-chart is
   built by ECharts from the JSON block named by data-source (json_script). */
(function () {
  "use strict";

  function data(el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  // Money and counts with the reader's separators, two decimals at most.
  function amount(value) {
    return Number(value).toLocaleString(document.documentElement.lang || undefined,
                                        { maximumFractionDigits: 2, minimumFractionDigits: 0 });
  }

  var builders = {
    // The customers that moved a line's value most, largest on top (why this score).
    "contributors": function (d) {
      var bars = d.bars.slice().reverse();
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: amount },
        // Room on the right for the value written after the longest bar.
        grid: { left: 16, right: 112, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", axisLabel: { formatter: function (v) {
          return Number(v).toLocaleString(document.documentElement.lang || undefined,
                                          { notation: "compact", maximumFractionDigits: 1 });
        } } },
        yAxis: { type: "category", data: bars.map(function (b) { return b.name; }) },
        series: [{ name: d.title, type: "bar", barMaxWidth: 32,
                   data: bars.map(function (b) { return Number(b.value); }),
                   label: { show: true, position: "right", formatter: function (p) { return amount(p.value); } } }]
      };
    },
    // RMs per final tier, best tier first.
    "tiers": function (d) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        // The value axis's name sits above the axis, outside what containLabel keeps in:
        // the top leaves it room (at 16 px it was cut at the chart's edge, a sliver under
        // the tier list), and it starts at the axis so it never runs off the left.
        grid: { left: 16, right: 16, top: 40, bottom: 16, containLabel: true },
        xAxis: { type: "category", data: d.tiers.map(function (t) { return t.name; }) },
        yAxis: { type: "value", minInterval: 1, name: d.labels.rms,
                 nameTextStyle: { align: "left" } },
        series: [{ type: "bar", data: d.tiers.map(function (t) { return t.count; }) }]
      };
    },
    // Weight available and points earned per balanced-scorecard perspective.
    // A perspective's name wraps within its own column (Learning and growth, the last,
    // ran past the chart's right edge on a phone).
    "bsc": function (d, el) {
      var column = (el.clientWidth - 80) / Math.max(d.bsc.length, 1);
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { bottom: 0, data: [d.labels.weight, d.labels.points] },
        grid: { left: 16, right: 16, top: 16, bottom: 32, containLabel: true },
        xAxis: { type: "category", data: d.bsc.map(function (g) { return g.name; }),
                 axisLabel: { interval: 0, width: Math.max(48, Math.floor(column - 8)), overflow: "break" } },
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
        chart.setOption(build(d, el));
        el.setAttribute("data-drawn", "1");
        // Built again for the new width: a chart may size its labels to its box.
        window.addEventListener("resize", function () { chart.setOption(build(d, el)); chart.resize(); });
      } catch (err) {
        if (window.console) { window.console.error("chart", el.getAttribute("data-chart"), err); }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
})();
