// Polls the run's JSON status and updates the progress bar, the steps and the log until it ends.
(function () {
  "use strict";
  var root = document.getElementById("run");
  if (!root) { return; }
  var url = root.getAttribute("data-status-url");
  var digits = document.documentElement.lang === "fa";

  function number(value) {
    var text = String(value);
    return digits ? text.replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹"[d]; }) : text;
  }

  function render(status) {
    document.getElementById("run-status").textContent = status.status_label || status.status;
    document.getElementById("run-progress").value = status.progress;
    document.getElementById("run-progress-text").textContent = number(status.progress) + (digits ? "٪" : "%");
    document.getElementById("run-error").textContent = status.error || "";
    status.steps.forEach(function (step) {
      var item = root.querySelector('[data-step="' + step.name + '"]');
      if (item) {
        item.querySelector(".step-status").textContent = step.status_label || step.status;
        item.querySelector(".step-message").textContent = step.message;
      }
    });
    var log = document.getElementById("run-log");
    log.textContent = "";
    status.log.forEach(function (entry) {
      var line = document.createElement("li");
      line.className = "log-" + entry.level;
      line.textContent = (entry.step ? entry.step + " " : "") + entry.message;
      log.appendChild(line);
    });
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) { return; }
        render(status);
        if (!status.finished) { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  poll();
})();
