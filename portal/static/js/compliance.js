// Compliance charts: the data come from each canvas's data-chart attribute (the CSP forbids inline scripts).
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var COLORS = { met: "#1e7b45", on_track: "#2f6fb3", at_risk: "#b7791f", missed: "#b42318", no_data: "#9aa5b1" };
  Chart.defaults.font.family = "Vazirmatn, system-ui, sans-serif";

  function digits(locale) {
    var fmt = new Intl.NumberFormat(locale === "fa" ? "fa-IR" : "en-US", { maximumFractionDigits: 1 });
    return function (value) { return fmt.format(value); };
  }

  function summary(canvas, data) {
    var number = digits(data.locale);
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (d) {
          return { label: d.label, data: d.data, backgroundColor: COLORS[d.status] };
        })
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        animation: false,
        layout: { padding: { left: 28, right: 28 } },
        scales: {
          x: { stacked: true, ticks: { callback: number } },
          y: { stacked: true, position: data.locale === "fa" ? "right" : "left" }
        },
        plugins: { legend: { rtl: data.locale === "fa", position: "bottom" } }
      }
    });
  }

  function trend(canvas, data) {
    var number = digits(data.locale);
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: data.names.value, data: data.value, borderColor: "#0b5cab", backgroundColor: "#0b5cab", spanGaps: true, tension: 0.2 },
          { label: data.names.target, data: data.target, borderColor: "#1e7b45", borderDash: [6, 4], pointRadius: 0 },
          { label: data.names.deadline, data: data.deadline, borderColor: "#b42318", backgroundColor: "#b42318", pointRadius: 7, pointStyle: "rectRot", showLine: false }
        ]
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        layout: { padding: { left: 28, right: 28 } },
        scales: {
          x: { reverse: data.locale === "fa" },
          y: { min: 0, suggestedMax: 100, position: data.locale === "fa" ? "right" : "left", ticks: { callback: function (v) { return number(v) + "٪"; } } }
        },
        plugins: { legend: { rtl: data.locale === "fa", position: "bottom" } }
      }
    });
  }

  var KINDS = { summary: summary, trend: trend };
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var draw = KINDS[canvas.getAttribute("data-chart-kind")];
    if (!draw) { return; }
    var chart = draw(canvas, JSON.parse(canvas.getAttribute("data-chart")));
    canvas.setAttribute("data-drawn", chart ? "yes" : "no");
  });
})();
