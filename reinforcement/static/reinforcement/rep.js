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
  offlineReady();
  pushToggle();
  // Signing out forgets the questions saved for offline use on this phone.
  document.querySelectorAll("form[data-logout]").forEach(function (form) {
    form.addEventListener("submit", function () {
      if (window.caches) caches.delete("reinforce-data");
    });
  });
});

// The installed app: the service worker, and today's questions saved for
// offline use whenever a signed-in page loads online.
function offlineReady() {
  if (!("serviceWorker" in navigator) || !window.caches) return;
  var body = document.body;
  navigator.serviceWorker.register(body.dataset.serviceWorker || "/sw.js", { scope: "/" })
    .then(function () { return navigator.serviceWorker.ready; })
    .then(function () {
      if (!body.dataset.rep || !navigator.onLine) return null;
      return caches.open("reinforce-data").then(function (cache) {
        return cache.add("/api/v1/prompts/");
      });
    })
    .then(function () { document.documentElement.dataset.offlineReady = "1"; })
    .catch(function () { document.documentElement.dataset.offlineReady = "0"; });
}

function urlBase64ToUint8Array(text) {
  var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  var raw = atob(padded);
  var bytes = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

// "Notify me": subscribe this browser to Web Push for the daily questions.
function pushToggle() {
  var button = document.getElementById("push-toggle");
  if (!button || !("PushManager" in window) || !("serviceWorker" in navigator)) return;
  var status = document.getElementById("push-status");
  var csrf = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
  fetch(button.dataset.url, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (config) {
      if (!config.enabled) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.serviceWorker.ready
          .then(function (registration) {
            return registration.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: urlBase64ToUint8Array(config.public_key),
            });
          })
          .then(function (subscription) {
            return fetch(button.dataset.url, {
              method: "POST", credentials: "same-origin",
              headers: { "Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(csrf) },
              body: JSON.stringify(subscription.toJSON()),
            });
          })
          .then(function (response) {
            status.textContent = response.ok ? button.dataset.done : button.dataset.failed;
          })
          .catch(function () { status.textContent = button.dataset.failed; });
      });
    })
    .catch(function () {});
}
