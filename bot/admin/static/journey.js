// Draws one journey's funnel from the figures the server embedded as JSON (labels
// already in the reader's language; SVG keeps them readable text).
(function () {
  var f = JSON.parse(document.getElementById("journey-figures").textContent);
  var node = document.getElementById("chart-journey-funnel");
  if (!node) { return; }
  // ECharts scales widths to max (default 100): the widest stage is the full width.
  var widest = Math.max.apply(null, f.funnel.map(function (d) { return d.value; }).concat([1]));
  var drawn = echarts.init(node, null, { renderer: "svg" });
  drawn.setOption({
    animation: false, // a figures page: draw the numbers at once
    color: ["#07c160", "#10aeff", "#fa9d3b", "#576b95", "#fa5151", "#9b7fe6"],
    tooltip: { trigger: "item", formatter: "{b}: {c}" },
    // "none": the stages keep their order (converted may outnumber the last step).
    series: [{ type: "funnel", top: 8, bottom: 8, left: "4%", width: "64%", sort: "none", min: 0, max: widest,
               minSize: "6%", label: { formatter: "{b}  {c}", color: "#1f2329", position: "right" },
               labelLine: { show: true, length: 12 }, data: f.funnel }]
  });
  window.addEventListener("resize", function () { drawn.resize(); });
})();
