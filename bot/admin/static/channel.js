// Draws a channel's figures day by day from the JSON the server embedded (series names
// already in the reader's language; SVG keeps them readable text).
(function () {
  var f = JSON.parse(document.getElementById("channel-figures").textContent);
  var node = document.getElementById("chart-channel-days");
  if (!node) { return; }
  var drawn = echarts.init(node, null, { renderer: "svg" });
  drawn.setOption({
    animation: false,
    color: ["#10aeff", "#07c160", "#576b95", "#fa9d3b", "#fa5151"],
    textStyle: { fontFamily: "inherit" },
    tooltip: { trigger: "axis" }, legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: f.days }, yAxis: { type: "value", minInterval: 1 },
    series: f.series.map(function (s, i) {
      return { name: s.name, type: i === 0 ? "bar" : "line", data: s.data, barMaxWidth: 18, symbolSize: 4 };
    })
  });
  window.addEventListener("resize", function () { drawn.resize(); });
})();
