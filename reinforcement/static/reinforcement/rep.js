// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the page's main message (question, verdict, error).
  var target = document.querySelector("[data-autofocus]");
  if (target) target.focus({ preventScroll: false });
  // A double tap submits once; the idempotency key covers anything that slips by.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var button = form.querySelector("button[type=submit]");
      if (button) button.setAttribute("aria-disabled", "true");
    });
  });
});
