/* RM Perf charts: every element with data-chart="<kind>" is drawn by ECharts from the
   JSON block named by data-source (a <script type="application/json"> written by Django's
   json_script). No inline scripts: CSP allows only our own static files. */
(function () {
  "use strict";

  function data(el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function num(text) { return Number(text); }

  function money(value) {
    return Number(value).toLocaleString(undefined, { maximumFractionDigits: 0 });
  }

  // Axis labels: 1.2M / 120万, so two axes side by side stay readable.
  function compact(value) {
    return Number(value).toLocaleString(document.documentElement.lang || undefined,
                                        { notation: "compact", maximumFractionDigits: 1 });
  }

  var builders = {
    // Monthly average daily balance by category, stacked.
    "aum-area": function (d) {
      return {
        tooltip: { trigger: "axis", valueFormatter: money },
        legend: { top: 0 },
        grid: { left: 70, right: 16, top: 36, bottom: 28 },
        xAxis: { type: "category", boundaryGap: false, data: d.months },
        yAxis: { type: "value", axisLabel: { formatter: compact } },
        series: d.series.map(function (s) {
          return { name: s.name, type: "line", stack: "aum", areaStyle: {}, showSymbol: false,
                   data: s.data.map(num) };
        })
      };
    },
    // Customers per tier as horizontal bars, best tier on top (the pyramid).
    "pyramid": function (d) {
      var rows = d.pyramid.slice().reverse();
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { bottom: 0, data: [d.labels.count, d.labels.aum] },
        grid: { left: 16, right: 24, top: 28, bottom: 32, containLabel: true },
        xAxis: [{ type: "value", position: "bottom" },
                { type: "value", position: "top", axisLabel: { formatter: compact },
                  splitLine: { show: false } }],
        yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
        series: [
          { name: d.labels.count, type: "bar", data: rows.map(function (r) { return r.count; }) },
          { name: d.labels.aum, type: "bar", xAxisIndex: 1,
            data: rows.map(function (r) { return num(r.aum); }) }
        ]
      };
    },
    // Share of the book holding each product category: horizontal bars, the categories
    // in the table's order from the top, their names level and whole (names turned 30°
    // under vertical bars ran past the chart's left edge and overlapped on a phone).
    "penetration": function (d) {
      var percent = function (v) { return Math.round(v * 100) + "%"; };
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: percent },
        grid: { left: 16, right: 24, top: 8, bottom: 8, containLabel: true },
        yAxis: { type: "category", inverse: true, data: d.penetration.map(function (r) { return r.name; }),
                 axisLabel: { interval: 0 } },
        xAxis: { type: "value", max: 1, axisLabel: { formatter: percent } },
        series: [{ type: "bar", data: d.penetration.map(function (r) { return r.share; }) }]
      };
    },
    // Referral funnel: made → accepted → contacted → converted.
    "funnel": function (d) {
      return {
        tooltip: { trigger: "item", formatter: "{b}: {c}" },
        series: [{ type: "funnel", sort: "none", left: "10%", width: "80%", top: 8, bottom: 8,
                   label: { show: true, position: "inside", formatter: "{b} {c}" },
                   data: d.stages }]
      };
    },
    // How many customers made how many transactions in the frequency window.
    "frequency": function (d) {
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 16, right: 16, top: 16, bottom: 16, containLabel: true },
        xAxis: { type: "category", data: d.frequency.map(function (r) { return r.name; }) },
        yAxis: { type: "value" },
        series: [{ type: "bar", data: d.frequency.map(function (r) { return r.count; }) }]
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
        // One broken chart must not keep the others from drawing.
        if (window.console) { window.console.error("chart", el.getAttribute("data-chart"), err); }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
