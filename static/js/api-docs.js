// The API documentation (/api/v1/docs/): Swagger UI from drf-spectacular-sidecar, served by the
// portal itself (no CDN), started here rather than inline (the Content-Security-Policy allows
// no inline scripts). "Try it out" uses the session for reads; writes need a token ("Authorize").
(function () {
    "use strict";
    var root = document.getElementById("swagger-ui");
    if (!root || typeof window.SwaggerUIBundle !== "function") {
        return;
    }
    window.SwaggerUIBundle({
        url: root.getAttribute("data-schema-url"),
        dom_id: "#swagger-ui",
        deepLinking: true,
        presets: [window.SwaggerUIBundle.presets.apis],
        layout: "BaseLayout",
        persistAuthorization: false,
    });
})();
