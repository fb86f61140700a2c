// The offline map of the support network (Plotly from the vendored bundle, no tiles): municipalities'
// outlines, pairs as lines from curator to school, schools as points. The lists on the page are its
// text alternative.
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("network-map");
    var source = document.getElementById("network-map-data");
    if (!node || !source || !window.Plotly) { return; }
    var data = JSON.parse(source.textContent);
    var traces = [];
    data.outlines.forEach(function (o) {
      var xs = o.corners.map(function (c) { return c[0]; });
      var ys = o.corners.map(function (c) { return c[1]; });
      xs.push(xs[0]); ys.push(ys[0]);
      traces.push({type: "scatter", mode: "lines", x: xs, y: ys, fill: "toself", fillcolor: "rgba(21,101,192,0.04)",
        line: {color: "#9fb3c8", width: 1}, hoverinfo: "text", text: o.name, showlegend: false});
    });
    var lx = [], ly = [];
    data.lines.forEach(function (l) { lx.push(l.from[0], l.to[0], null); ly.push(l.from[1], l.to[1], null); });
    traces.push({type: "scatter", mode: "lines", x: lx, y: ly, name: "пара «куратор — школа»",
      line: {color: "#2e7d32", width: 1}, hoverinfo: "skip"});
    var kinds = [
      ["other", "остальные школы", {color: "#b0b7c0", size: 5, symbol: "circle"}],
      ["listed", "школы перечня", {color: "#c62828", size: 8, symbol: "circle"}],
      ["curator", "школы-кураторы", {color: "#2e7d32", size: 10, symbol: "diamond"}]
    ];
    kinds.forEach(function (k) {
      var rows = data.points[k[0]];
      traces.push({type: "scatter", mode: "markers", name: k[1], marker: k[2],
        x: rows.map(function (r) { return r.lon; }), y: rows.map(function (r) { return r.lat; }),
        text: rows.map(function (r) { return r.name + "<br>" + r.municipality; }),
        hovertemplate: "%{text}<extra></extra>"});
    });
    var lats = [].concat(data.points.listed, data.points.curator, data.points.other).map(function (r) { return r.lat; });
    var mid = lats.length ? (Math.min.apply(null, lats) + Math.max.apply(null, lats)) / 2 : 50;
    var layout = {
      height: 620, margin: {l: 10, r: 10, t: 10, b: 10}, separators: ", ", hovermode: "closest",
      xaxis: {visible: false}, yaxis: {visible: false, scaleanchor: "x", scaleratio: 1 / Math.cos(mid * Math.PI / 180)},
      legend: {orientation: "h", y: 1.02, x: 0}
    };
    window.Plotly.newPlot(node, traces, layout, {displaylogo: false, responsive: true});
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
