// An open dashboard: draws the trend with chart.js and polls a small JSON every two seconds,
// swapping the numbers (and the time of the last answer) in when new responses have arrived, then
// the tables below them (the CSP forbids inline scripts).
(function () {
  "use strict";
  var box = document.getElementById("live");
  var canvas = document.getElementById("trend");
  if (!box) { return; }
  var chart = null;
  // a unit, a county or an office keeps no day series: its page has no chart, only the live figures
  if (canvas && window.Chart) {
    var data = JSON.parse(canvas.getAttribute("data-trend"));
    chart = new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "line", label: canvas.getAttribute("data-score-label"), data: data.scores, yAxisID: "score", spanGaps: true },
          { type: "bar", label: canvas.getAttribute("data-count-label"), data: data.counts, yAxisID: "count" }
        ]
      },
      options: {
        locale: document.documentElement.lang || "fa",  // the page's language, not the browser's
        animation: false,
        scales: { score: { position: "left", min: 0, max: 100 }, count: { position: "right", beginAtZero: true } }
      }
    });
  }

  // the chart's text alternative: the same figures as a table, kept in step with the chart
  function row(label, live, i) {
    var tr = document.createElement("tr");
    var th = document.createElement("th");
    th.scope = "row";
    th.textContent = label;
    tr.appendChild(th);
    [live.scores_text[i], live.counts_text[i]].forEach(function (text) {
      var td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    });
    return tr;
  }

  function show(live) {
    box.setAttribute("data-count", String(live.count));
    box.querySelector('[data-live="count"]').textContent = live.count_text;
    box.querySelector('[data-live="score"]').textContent = live.score_text;
    var last = box.querySelector('[data-live="last"]');
    if (last) { last.textContent = live.last_answer_text; }
    refreshTables();
    var rows = document.getElementById("trend-figures");
    if (rows) { rows.replaceChildren.apply(rows, live.labels.map(function (label, i) { return row(label, live, i); })); }
    if (chart) {
      chart.data.labels = live.labels;
      chart.data.datasets[0].data = live.scores;
      chart.data.datasets[1].data = live.counts;
      chart.update();
    }
  }

  // the league table, drill-down and rankings move with the figures: the same page is fetched again
  // (with its sort order) and those parts swapped in, so they are drawn by one template only
  function refreshTables() {
    var parts = ["drill", "rankings"].filter(function (id) { return document.getElementById(id); });
    if (!parts.length) { return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (!text) { return; }
        var fresh = new DOMParser().parseFromString(text, "text/html");
        parts.forEach(function (id) {
          var now = document.getElementById(id);
          var next = fresh.getElementById(id);
          if (now && next) { now.replaceWith(document.importNode(next, true)); }
        });
      })
      .catch(function () { /* the next change tries again */ });
  }

  function poll() {
    fetch(box.getAttribute("data-live-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (live) {
        if (live && String(live.count) !== box.getAttribute("data-count")) { show(live); }
      })
      .catch(function () { /* a missed poll is retried two seconds later */ })
      .then(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 2000);
}());
