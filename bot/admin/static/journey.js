// Draws one journey's funnel from the figures the server embedded as JSON.
(function () {
  var f = JSON.parse(document.getElementById("journey-figures").textContent);
  var node = document.getElementById("chart-journey-funnel");
  if (!node) { return; }
  // ECharts scales widths to max (default 100): the widest stage is the full width.
  var widest = Math.max.apply(null, f.funnel.map(function (d) { return d.value; }).concat([1]));
  echarts.init(node).setOption({
    animation: false, // a figures page: draw the numbers at once
    title: { text: "漏斗 · funnel" }, tooltip: { trigger: "item", formatter: "{b}: {c}" },
    // "none": the stages keep their order (converted may outnumber the last step).
    series: [{ type: "funnel", top: 40, sort: "none", min: 0, max: widest, minSize: "4%", label: { formatter: "{b}: {c}" }, data: f.funnel }]
  });
})();
