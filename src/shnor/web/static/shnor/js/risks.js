// The risk profile chart: the share of each factor's parameters past threshold, drawn with the
// vendored Plotly bundle from the data the page embeds (no inline script, no network).
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("chart");
    var source = document.getElementById("chart-data");
    if (!holder || !source || !window.Plotly) { return; }
    var data = JSON.parse(source.textContent);
    var colours = data.levels.map(function (level) {
      return level === "high" ? "#b3261e" : level === "medium" ? "#e8a33d" : level === "low" ? "#3b7d3b" : "#9e9e9e";
    });
    var shares = data.share.map(function (s) { return s === null ? 0 : s * 100; });
    window.Plotly.newPlot(holder, [{
      type: "bar", orientation: "h", x: shares, y: data.factors, marker: { color: colours },
      hovertemplate: "%{y}: %{x:.0f} %<extra></extra>"
    }], {
      margin: { l: 20, r: 20, t: 10, b: 40 }, height: 460,
      xaxis: { title: "% параметров за порогом", range: [0, 100] },
      yaxis: { autorange: "reversed", automargin: true },
      shapes: [data.high, data.medium].map(function (v) {
        return { type: "line", x0: v * 100, x1: v * 100, y0: -0.5, y1: data.factors.length - 0.5, line: { dash: "dot", color: "#555" } };
      }),
      separators: ", "
    }, { displayModeBar: false, responsive: true, locale: "ru" });  // the mode bar would need an inline <style> (CSP)
    holder.setAttribute("data-drawn", "true");
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
