// Answers made offline: queued on this phone with their idempotency key and
// the time the rep answered, sent to the answer API when the connection
// returns (docs/channels.md, "Offline and Web Push"). A resend of the same
// entry replays on the server, so nothing is counted twice.
"use strict";
(function () {
  var QUEUE_KEY = "reinforce.answer-queue";
  var PROMPTS_URL = "/api/v1/prompts/";

  function queue() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY)) || []; } catch (e) { return []; }
  }
  function save(entries) { localStorage.setItem(QUEUE_KEY, JSON.stringify(entries)); }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function add(promptId, choiceIds, confidence) {
    var entries = queue();
    entries.push({
      prompt_id: promptId, choice_ids: choiceIds, confidence: confidence,
      idempotency_key: newKey(), client_answered_at: new Date().toISOString(),
    });
    save(entries);
  }

  // Send each queued answer once; keep those that may still go through
  // (offline, server trouble, signed out), drop those the server refused for
  // good (already answered, withdrawn, not this rep's).
  var flushing = null;
  function flush() {
    if (flushing) return flushing;
    var entries = queue();
    if (!entries.length || !navigator.onLine) return Promise.resolve(0);
    var sent = 0;
    flushing = entries.reduce(function (chain, entry) {
      return chain.then(function (keep) {
        return fetch("/api/v1/prompts/" + entry.prompt_id + "/answer/", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify({
            choice_ids: entry.choice_ids, confidence: entry.confidence,
            idempotency_key: entry.idempotency_key,
            client_answered_at: entry.client_answered_at,
          }),
        }).then(function (response) {
          var retry = response.status >= 500 || response.status === 401 || response.status === 403;
          if (!retry) sent += 1;
          return retry ? keep.concat([entry]) : keep;
        }, function () { return keep.concat([entry]); });
      });
    }, Promise.resolve([])).then(function (keep) {
      var sentKeys = {};
      entries.forEach(function (e) { sentKeys[e.idempotency_key] = true; });
      keep.forEach(function (e) { delete sentKeys[e.idempotency_key]; });
      // Entries queued while sending stay queued.
      save(queue().filter(function (e) { return !sentKeys[e.idempotency_key]; }));
      flushing = null;
      document.documentElement.dataset.answersSent = String(sent);
      document.dispatchEvent(new CustomEvent("reinforce:flushed", { detail: { sent: sent } }));
      return sent;
    });
    return flushing;
  }

  window.reinforceQueue = { add: add, flush: flush, entries: queue };
  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", flush);

  // The offline page: the saved questions, one at a time.
  function text(name) { return document.getElementById("offline-texts").dataset[name] || ""; }
  function element(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function render(prompts) {
    var host = document.getElementById("offline-question");
    var queued = {};
    queue().forEach(function (e) { queued[e.prompt_id] = true; });
    var open = prompts.filter(function (p) { return !queued[p.id]; });
    host.textContent = "";
    if (!open.length) {
      host.appendChild(element("section", { "class": "card empty" }, [
        element("h1", { id: "offline-done", tabindex: "-1" }, [text("none")]),
        element("p", {}, [element("a", { "class": "button", href: "/" }, [text("today")])]),
      ]));
      return;
    }
    var prompt = open[0];
    var many = prompt.question.kind === "multiple_choice";
    var choices = prompt.question.choices.map(function (choice, i) {
      var id = "offline-choice-" + i;
      return element("label", { "class": "option", "for": id }, [
        element("input", { type: many ? "checkbox" : "radio", name: "choice", value: String(choice.id), id: id }),
        " ", element("span", {}, [choice.text]),
      ]);
    });
    var levels = ["guess", "fairly_sure", "certain"].map(function (level) {
      var id = "offline-confidence-" + level;
      return element("label", { "class": "seg", "for": id }, [
        element("input", { type: "radio", name: "confidence", value: level, id: id, required: "" }),
        " ", element("span", {}, [text(level)]),
      ]);
    });
    var form = element("form", { "class": "card question", novalidate: "" }, [
      element("fieldset", {}, [
        element("legend", {}, [
          element("h1", { "class": "stem", tabindex: "-1" }, [prompt.question.stem]),
          element("span", { "class": "hint" }, [text(many ? "pickAll" : "pickOne")]),
        ]),
      ].concat(choices)),
      element("fieldset", { "class": "confidence" }, [
        element("legend", {}, [text("confidence")]),
        element("div", { "class": "segmented" }, levels),
      ]),
      element("button", { type: "submit", "class": "button wide" }, [text("submit")]),
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = Array.prototype.map.call(
        form.querySelectorAll("input[name=choice]:checked"), function (i) { return Number(i.value); });
      var confidence = form.querySelector("input[name=confidence]:checked");
      if (!chosen.length || !confidence) return;
      add(prompt.id, chosen, confidence.value);
      document.getElementById("offline-status").textContent = text("saved");
      render(prompts);
      flush();
    });
    host.appendChild(form);
    form.querySelector("h1").focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.getElementById("offline-question")) return;
    fetch(PROMPTS_URL, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (page) { render(page.results || []); })
      .catch(function () { render([]); });
    document.addEventListener("reinforce:flushed", function (event) {
      if (event.detail.sent) document.getElementById("offline-status").textContent = text("sent");
    });
  });
})();
