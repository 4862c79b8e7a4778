{% load static %}// The rep app's service worker (docs/channels.md, "Offline and Web Push").
// Served at /sw.js so it controls the whole site; rendered so the static URLs
// below are the deployed ones, and a new deployment is a new worker.
"use strict";
const SHELL_CACHE = "reinforce-shell-{{ version }}";
const DATA_CACHE = "reinforce-data";
const OFFLINE_URL = "{% url 'rep:offline' %}";
const PROMPTS_URL = "/api/v1/prompts/";
const SHELL = [
  OFFLINE_URL,
  "{% static 'reinforcement/rep.css' %}",
  "{% static 'reinforcement/rep.js' %}",
  "{% static 'reinforcement/offline.js' %}",
  "{% static 'reinforcement/icons/icon.svg' %}",
  "{% static 'reinforcement/icons/icon-192.png' %}",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys
        .filter((key) => key.startsWith("reinforce-shell-") && key !== SHELL_CACHE)
        .map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PROMPTS_URL && !url.search) {
    // Network first, so online is always fresh; the copy serves offline.
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(DATA_CACHE).then((cache) => cache.put(PROMPTS_URL, copy));
        }
        return response;
      }).catch(() => caches.match(PROMPTS_URL))
    );
  } else if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});

self.addEventListener("push", (event) => {
  let message = {};
  try { message = event.data ? event.data.json() : {}; } catch (error) { message = {}; }
  event.waitUntil(self.registration.showNotification(message.title || "Reinforce", {
    body: message.body || "",
    icon: "{% static 'reinforcement/icons/icon-192.png' %}",
    data: { url: message.url || "/" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});
