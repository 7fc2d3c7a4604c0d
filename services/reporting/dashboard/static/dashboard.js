// Draws the page's charts (data in <script id="charts">) with the packaged plotly.js.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("charts").textContent);
  const box = document.querySelector(".charts");
  if (!box || !window.Plotly) { return; }
  // Every chart's box first, so the grid has its final columns before plotly measures one.
  const divs = data.map(function (chart) {
    const div = document.createElement("div");
    div.className = "chart";
    div.id = chart.id;
    box.appendChild(div);
    return div;
  });
  data.forEach(function (chart, i) {
    const traces = chart.series.map(function (s) {
      return { name: s.name, x: chart.x, y: s.y, type: s.bar ? "bar" : "scatter",
               mode: "lines+markers", connectgaps: false,
               visible: s.hidden ? "legendonly" : true };
    });
    const layout = { title: { text: chart.title }, margin: { t: 40, l: 50, r: 10, b: 40 },
                     legend: { orientation: "h", y: -0.3 }, barmode: chart.stack ? "stack" : "group",
                     xaxis: { type: "category", tickangle: -45, automargin: true },
                     yaxis: chart.rate ? { tickformat: ".0%", rangemode: "tozero" }
                                       : { rangemode: "tozero" } };
    window.Plotly.newPlot(divs[i], traces, layout, { displaylogo: false, responsive: true });
  });
})();
