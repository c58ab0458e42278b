// Sends the page's CSRF token with every htmx request: htmx 4 does not inherit headers, so
// one listener adds it instead of an attribute on every element.
document.addEventListener("htmx:config:request", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.ctx.request.headers["X-CSRF-Token"] = meta.getAttribute("content");
});
