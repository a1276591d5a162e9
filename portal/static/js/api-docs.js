// Starts swagger-ui on our own OpenAPI document; kept out of the page because the CSP forbids inline scripts.
(function () {
  var node = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: node.dataset.specUrl, dom_id: "#swagger-ui", deepLinking: true });
})();
