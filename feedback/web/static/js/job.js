// Follows a feedback job (import or print) by polling its small JSON status; CSP forbids inline scripts.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var bar = document.getElementById("job-progress");
  var state = document.getElementById("job-state");
  var summary = document.getElementById("job-summary");
  var error = document.getElementById("job-error");
  var links = document.getElementById("job-links");
  var url = box.getAttribute("data-status-url");

  function show(job) {
    bar.value = job.percent;
    state.textContent = state.getAttribute("data-" + job.status) || job.status;
    summary.textContent = job.summary;
    error.textContent = job.error;
    box.setAttribute("data-status", job.status);
    if (job.status === "done") {
      links.hidden = (job.kind === "import" && job.summary.indexOf("rejected 0") !== -1);
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        show(job);
        if (job.status === "queued" || job.status === "running") { setTimeout(poll, 700); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }

  if (box.getAttribute("data-status") === "queued" || box.getAttribute("data-status") === "running") { poll(); }
}());
