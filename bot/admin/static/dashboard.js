// Draws the dashboard's charts from the figures the server embedded as JSON.
(function () {
  var f = JSON.parse(document.getElementById("figures").textContent);
  function chart(id, option) {
    var node = document.getElementById(id);
    if (node) { echarts.init(node).setOption(option); }
  }
  chart("chart-daily", {
    title: { text: "消息 / 关注 · messages / follows" }, tooltip: { trigger: "axis" },
    legend: { top: 24 }, xAxis: { type: "category", data: f.days }, yAxis: { type: "value" },
    series: [{ name: "消息", type: "bar", data: f.messages }, { name: "关注", type: "line", data: f.follows }]
  });
  chart("chart-coverage", {
    title: { text: "回复覆盖 · coverage" }, tooltip: {},
    series: [{ type: "pie", radius: "60%", data: [{ name: "命中", value: f.matched }, { name: "未命中", value: f.missed }] }]
  });
  chart("chart-funnel", {
    title: { text: "漏斗 · funnel" }, tooltip: {},
    series: [{ type: "funnel", top: 40, sort: "none", data: f.funnel }]
  });
  chart("chart-channel", {
    title: { text: "渠道 · by channel" }, tooltip: {},
    series: [{ type: "pie", radius: "60%", data: f.by_channel }]
  });
  chart("chart-owner", {
    title: { text: "销售 · by salesperson" }, tooltip: {},
    xAxis: { type: "category", data: f.by_owner.map(function (d) { return d.name; }) },
    yAxis: { type: "value" }, series: [{ type: "bar", data: f.by_owner.map(function (d) { return d.value; }) }]
  });
})();
