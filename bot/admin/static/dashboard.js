// Draws the dashboard's charts from the figures the server embedded as JSON. Every
// label arrives in the reader's language; SVG keeps the labels readable text.
(function () {
  var f = JSON.parse(document.getElementById("figures").textContent);
  var green = "#07c160", palette = [green, "#10aeff", "#fa9d3b", "#fa5151", "#576b95", "#9b7fe6", "#2bcbba", "#ffc300"];
  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node) { return; }
    var drawn = echarts.init(node, null, { renderer: "svg" });
    drawn.setOption(Object.assign({ animation: false, color: palette, textStyle: { fontFamily: "inherit" } }, option));
    window.addEventListener("resize", function () { drawn.resize(); });
  }
  var grid = { left: 8, right: 16, top: 36, bottom: 8, containLabel: true };
  chart("chart-daily", {
    tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: grid,
    xAxis: { type: "category", data: f.days }, yAxis: { type: "value", minInterval: 1 },
    series: [{ name: f.series.messages, type: "bar", data: f.messages, barMaxWidth: 24 },
             { name: f.series.follows, type: "line", data: f.follows }]
  });
  chart("chart-coverage", {
    tooltip: { trigger: "item" }, color: [green, "#fa5151"], legend: { bottom: 0 },
    series: [{ type: "pie", radius: ["45%", "70%"], label: { formatter: "{b}\n{c}" }, data: f.coverage }]
  });
  chart("chart-funnel", {
    tooltip: { trigger: "item" },
    series: [{ type: "funnel", top: 8, bottom: 8, left: "2%", width: "56%", sort: "none", minSize: "6%",
               label: { formatter: "{b}  {c}", color: "#1f2329", position: "right" },
               labelLine: { show: true, length: 12 }, data: f.funnel }]
  });
  chart("chart-channel", {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "65%"], label: { formatter: "{b}\n{c}" }, data: f.by_channel }]
  });
  chart("chart-owner", {
    tooltip: { trigger: "axis" }, grid: grid,
    xAxis: { type: "category", data: f.by_owner.map(function (d) { return d.name; }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", barMaxWidth: 32, data: f.by_owner.map(function (d) { return d.value; }),
               label: { show: true, position: "top" } }]
  });
})();
