// A school's ИОР by year with its 90 % interval (Plotly from the vendored offline bundle); the table
// beside it is the text alternative.
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("ior-trend");
    var source = document.getElementById("ior-trend-data");
    if (!node || !source || !window.Plotly) { return; }
    var years = JSON.parse(source.textContent);
    var trace = {
      type: "scatter", mode: "lines+markers", name: "ИОР",
      x: years.map(function (y) { return String(y.year); }),
      y: years.map(function (y) { return y.ior; }),
      error_y: {type: "data", array: years.map(function (y) { return 1.645 * y.se; }), color: "#757575"},
      marker: {size: 9, color: years.map(function (y) { return y.low ? "#c62828" : "#1565c0"; })},
      line: {color: "#1565c0"},
      hovertemplate: "%{x}: ИОР %{y:.2f}<extra></extra>"
    };
    var layout = {
      height: 260, margin: {l: 50, r: 20, t: 10, b: 40}, separators: ", ",
      xaxis: {type: "category", title: {text: "год"}},
      yaxis: {title: {text: "ИОР"}, zeroline: true, zerolinecolor: "#bdbdbd"},
      showlegend: false
    };
    window.Plotly.newPlot(node, [trace], layout, {displaylogo: false, responsive: true});
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
