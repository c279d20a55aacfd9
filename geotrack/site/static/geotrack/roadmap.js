/* One roadmap item's progress over time (Chart.js, self-hosted). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("item-series").textContent);
  var canvas = document.getElementById("item-chart");
  var values = data.series[0] || data.series["0"] || [];
  if (!canvas || !window.Chart) return;
  new Chart(canvas, {type: "line", data: {labels: data.months.map(function (m) { return m.slice(0, 7); }),
    datasets: [{label: "%", data: values, borderColor: "#0b5cab", backgroundColor: "#0b5cab", spanGaps: true}]},
    options: {animation: false, scales: {y: {min: 0, max: 100}}, plugins: {legend: {display: false}}}});
})();
