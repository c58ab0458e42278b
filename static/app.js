// Sends the page's CSRF token with every htmx request: htmx 4 does not inherit headers, so
// one listener adds it instead of an attribute on every element.
document.addEventListener("htmx:config:request", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.ctx.request.headers["X-CSRF-Token"] = meta.getAttribute("content");
});

// Counts a description's characters as they are typed (each emoji or accented letter is one).
document.addEventListener("input", (event) => {
  const field = event.target;
  const counter = field?.dataset?.countInto && document.getElementById(field.dataset.countInto);
  if (!counter) return;
  const count = [...field.value].length;
  const max = Number(field.dataset.max);
  counter.textContent = `${count} of ${max} characters${count > max ? ": too long" : ""}`;
  counter.classList.toggle("status-bad", count > max);
});
