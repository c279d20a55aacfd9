/* Dashboard: progress charts (Chart.js, self-hosted) and live KPIs. When the open map's
 * change token moves (geotrack:changed), the figures are fetched again and set as text. */
(function () {
  "use strict";
  var PALETTE = ["#0b5cab", "#d73027", "#1a9850", "#fdae61", "#6a3d9a", "#2c7bb6", "#b15928", "#e7298a"];

  function chart(canvasId, data, names, top) {
    var canvas = document.getElementById(canvasId);
    if (!canvas || !window.Chart) return;
    var keys = Object.keys(data.series);
    // The lagging ones first: lowest latest value.
    keys.sort(function (a, b) {
      var la = data.series[a][data.series[a].length - 1] || 0, lb = data.series[b][data.series[b].length - 1] || 0;
      return la - lb;
    });
    var datasets = keys.slice(0, top).map(function (key, i) {
      return {label: names[key] || key, data: data.series[key], borderColor: PALETTE[i % PALETTE.length],
              backgroundColor: PALETTE[i % PALETTE.length], spanGaps: true, tension: 0.2, pointRadius: 2};
    });
    new Chart(canvas, {type: "line", data: {labels: data.months.map(function (m) { return m.slice(0, 7); }), datasets: datasets},
      options: {animation: false, responsive: true, scales: {y: {min: 0, max: 100}},
                plugins: {legend: {position: "bottom", labels: {boxWidth: 10, font: {size: 10}}}}}});
  }

  function setText(path, value) {
    document.querySelectorAll('[data-kpi="' + path + '"]').forEach(function (node) {
      var number = Number(value);
      node.textContent = value === null || value === undefined ? "–" :
        (path.indexOf("mean") !== -1 && !isNaN(number) ? number.toFixed(1) : String(value));
    });
  }

  var SUMMARY_URL = document.currentScript.dataset.summaryUrl;

  function refresh() {
    fetch(SUMMARY_URL, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (summary) {
        if (!summary) return;
        ["done", "on_track", "at_risk", "overdue"].forEach(function (h) { setText("items." + h, summary.items[h]); });
        ["projects", "mean_progress", "mean_financial_progress"].forEach(function (k) { setText("projects." + k, summary.projects[k]); });
        setText("cameras.online", summary.cameras.online);
        setText("cameras.total", summary.cameras.total);
        if (summary.execution) {
          ["late_reports", "returned_reports", "overdue_milestones", "overdue_instructions"].forEach(function (k) {
            setText("execution." + k, summary.execution[k]);
          });
        }
        document.dispatchEvent(new CustomEvent("geotrack:dashboard", {detail: summary}));
      });
  }

  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var names = JSON.parse(document.getElementById("chart-names").textContent);
  chart("chart-region", data.region, names.region, 6);
  chart("chart-agency", data.agency, names.agency, 6);
  document.addEventListener("geotrack:changed", refresh);
})();
