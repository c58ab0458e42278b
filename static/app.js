// Sends the page's CSRF token with every htmx request: htmx 4 does not inherit headers, so
// one listener adds it instead of an attribute on every element.
document.addEventListener("htmx:config:request", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.ctx.request.headers["X-CSRF-Token"] = meta.getAttribute("content");
});

/** Shows how many characters a description has (each emoji or accented letter is one). */
function countCharacters(field) {
  const counter = field?.dataset?.countInto && document.getElementById(field.dataset.countInto);
  if (!counter) return;
  const count = [...field.value].length;
  const max = Number(field.dataset.max);
  counter.textContent = `${count} of ${max} characters${count > max ? ": too long" : ""}`;
  counter.classList.toggle("status-bad", count > max);
}

document.addEventListener("input", (event) => countCharacters(event.target));

// The server answers "clear-form" (HX-Trigger) once what a form sent has been taken: a started
// backup, an uploaded file. Emptying the form keeps the same description from being sent twice;
// the upload's fold closes again.
document.addEventListener("clear-form", (event) => {
  const form = event.target.closest?.("form");
  if (!form) return;
  form.reset();
  form.closest("details")?.removeAttribute("open");
  for (const field of form.querySelectorAll("[data-count-into]")) countCharacters(field);
});
