// Keeps answers on the phone when the service cannot save them, and resends them (same form token, so
// the server counts them once). The form works without this script whenever the service is up.
(function () {
  "use strict";
  var KEY = "govcloud-survey-pending";
  var delay = 3000;
  var form = document.getElementById("survey");

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function store(items) {
    try { localStorage.setItem(KEY, JSON.stringify(items)); } catch (e) { /* private mode: nothing kept */ }
  }
  function drop(body) {
    store(load().filter(function (item) { return item.body !== body; }));
  }
  function keep(url, body) {
    var items = load().filter(function (item) { return item.body !== body; });
    items.push({ url: url, body: body });
    store(items);
  }
  function send(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (response) {
      if (response.ok) { drop(body); return "sent"; }
      if (response.status === 503 || response.status === 429 || response.status >= 500) { return "later"; }
      drop(body);  // refused for good (expired, closed code): nothing to resend
      return "refused";
    }, function () { return "later"; });
  }
  function flush() {
    var items = load();
    if (!items.length) { return; }
    Promise.all(items.map(function (item) {
      return send(item.url, item.body).then(function (result) {
        return result === "sent" && item.url === location.pathname ? "here" : result;
      });
    })).then(function (results) {
      if (results.indexOf("later") >= 0) {
        delay = Math.min(delay * 2, 60000);
        setTimeout(flush, delay);
      } else if (form && results.indexOf("here") >= 0) {
        location.replace(form.getAttribute("data-thanks"));
      }
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = location.pathname;
      var body = new URLSearchParams(new FormData(form)).toString();
      keep(url, body);
      send(url, body).then(function (result) {
        if (result === "sent") { location.replace(form.getAttribute("data-thanks")); return; }
        if (result === "refused") { form.submit(); return; }
        var status = document.getElementById("status");
        status.textContent = form.getAttribute("data-saved");
        status.hidden = false;
        setTimeout(flush, delay);
      });
    });
  }
  window.addEventListener("online", flush);
  flush();
})();
