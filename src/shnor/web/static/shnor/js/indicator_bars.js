// An indicator's breakdown as horizontal bars, with its target as a dashed line (Plotly from the
// vendored offline bundle); the table below is the text alternative.
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("indicator-bars");
    var source = document.getElementById("indicator-bars-data");
    if (!node || !source || !window.Plotly) { return; }
    var data = JSON.parse(source.textContent);
    var rows = data.names.map(function (name, i) { return {name: name, value: data.values[i]}; })
      .filter(function (r) { return r.value !== null && r.value !== undefined; })
      .sort(function (a, b) { return a.value - b.value; });
    var trace = {
      type: "bar", orientation: "h",
      y: rows.map(function (r) { return r.name; }), x: rows.map(function (r) { return r.value; }),
      marker: {color: rows.map(function (r) {
        return data.target === null || data.target === undefined || r.value >= data.target ? "#2e7d32" : "#ef6c00";
      })},
      hovertemplate: "%{y}: %{x:.1f}" + (data.unit ? " " + data.unit : "") + "<extra></extra>"
    };
    var shapes = data.target === null || data.target === undefined ? [] : [{
      type: "line", yref: "paper", y0: 0, y1: 1, x0: data.target, x1: data.target, line: {dash: "dash", color: "#424242"}
    }];
    var layout = {
      height: Math.max(220, 24 * rows.length + 70), margin: {l: 290, r: 20, t: 10, b: 40}, separators: ", ",
      xaxis: {title: {text: data.unit ? "значение, " + data.unit : "значение"}}, yaxis: {automargin: true},
      shapes: shapes, showlegend: false
    };
    window.Plotly.newPlot(node, [trace], layout, {displaylogo: false, responsive: true});
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
