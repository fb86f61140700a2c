// ИОР × ИСБ scatter of an identification run (Plotly from the vendored offline bundle).
(function () {
  "use strict";
  function chance(index, p) {
    if (p === null || p === undefined) { return ""; }
    return "<br>вероятность низкого " + index + " " +
      (p < 0.01 ? "менее 1 %" : p > 0.99 ? "более 99 %" : Math.round(100 * p) + " %");
  }
  function draw() {
    var node = document.getElementById("chart");
    var source = document.getElementById("chart-data");
    if (!node || !source || !window.Plotly) { return; }
    var data = JSON.parse(source.textContent);
    var names = {effective: "эффективные", resilient: "резильентные", struggling: "несправляющиеся", deprived: "депривированные", "": "недостаточно данных"};
    var colours = {effective: "#2e7d32", resilient: "#1565c0", struggling: "#ef6c00", deprived: "#c62828", "": "#9e9e9e"};
    var traces = Object.keys(names).map(function (code) {
      var pts = data.points.filter(function (p) { return p.cluster === code; });
      return {
        type: "scatter", mode: "markers", name: names[code],  // SVG: WebGL (scattergl) compiles with eval, which the CSP forbids
        x: pts.map(function (p) { return p.x; }), y: pts.map(function (p) { return p.y; }),
        text: pts.map(function (p) {
          return p.name + (p.selected ? " (предложена)" : "") + chance("ИОР", p.low_probability) +
            chance("ИСБ", p.isb_low_probability) + (p.uncertain ? "<br>кластер определён неуверенно" : "");
        }),
        customdata: pts.map(function (p) { return p.url; }),
        hovertemplate: "%{text}<br>ИСБ %{x:.2f}, ИОР %{y:.2f}<extra></extra>",
        // Uncertain membership of a low zone (ИОР or ИСБ): a black ring around the point.
        marker: {size: pts.map(function (p) { return p.selected ? 9 : 6; }), color: colours[code], opacity: 0.8,
          line: {color: "#212121", width: pts.map(function (p) { return p.uncertain ? 2 : 0; })}}
      };
    }).filter(function (t) { return t.x.length > 0; });
    var xs = data.points.map(function (p) { return p.x; });
    var lo = Math.min.apply(null, xs), hi = Math.max.apply(null, xs);
    if (data.line.const !== null && data.line.const !== undefined) {
      traces.push({type: "scatter", mode: "lines", name: "ожидаемый уровень", hoverinfo: "skip",
        x: [lo, hi], y: [data.line.const + data.line.isb * lo, data.line.const + data.line.isb * hi], line: {color: "#424242"}});
    }
    var shapes = [];
    if (data.ior_threshold !== null) { shapes.push({type: "line", xref: "paper", x0: 0, x1: 1, y0: data.ior_threshold, y1: data.ior_threshold, line: {dash: "dash", color: "#757575"}}); }
    if (data.isb_threshold !== null) { shapes.push({type: "line", yref: "paper", y0: 0, y1: 1, x0: data.isb_threshold, x1: data.isb_threshold, line: {dash: "dash", color: "#757575"}}); }
    var layout = {
      xaxis: {title: {text: "ИСБ (больше — благоприятнее)"}, zeroline: false},
      yaxis: {title: {text: "ИОР (больше — лучше)"}, zeroline: false},
      shapes: shapes, height: 600, margin: {t: 20}, legend: {orientation: "h"}, separators: ", "
    };
    // No mode bar: it would need an inline <style>, which the content security policy forbids.
    window.Plotly.newPlot(node, traces, layout, {displayModeBar: false, responsive: true, locale: "ru"});
    node.on("plotly_click", function (event) {
      var url = event.points && event.points[0] && event.points[0].customdata;
      if (url) { window.location.href = url; }
    });
    node.setAttribute("data-ready", "true");
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
