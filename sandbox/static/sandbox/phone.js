// The end customer's phone: post to /sandbox/api/inbound, poll /sandbox/api/chat every second.
(function () {
  "use strict";
  var strings = JSON.parse(document.getElementById("phone-strings").textContent);
  var el = function (id) { return document.getElementById(id); };
  var chat = el("chat"), numberSelect = el("number"), me = el("me"), text = el("text");
  var rendered = "";
  var DEMO_LOCATION = { latitude: 4.6765, longitude: -74.0482 }; // Parque de la 93, Bogotá

  var saved = window.localStorage.getItem("sandbox-phone-me");
  if (saved) me.value = saved;
  var savedNumber = window.localStorage.getItem("sandbox-phone-number");
  if (savedNumber && numberSelect.querySelector('option[value="' + savedNumber + '"]')) numberSelect.value = savedNumber;

  function digits(value) { return (value || "").replace(/\D/g, ""); }
  // "@lucia.m" plays a customer who hides their phone behind a username (known to the business by BSUID only).
  function username(value) { var v = (value || "").trim(); return v.charAt(0) === "@" ? v.slice(1).toLowerCase() : ""; }
  function who() {
    var name = username(me.value);
    return name ? { username: name } : { from: "+" + digits(me.value) };
  }
  function whoIsValid() {
    var name = username(me.value);
    if (name) return /^[a-z0-9._]{3,35}$/.test(name);
    var d = digits(me.value);
    return d.length >= 8 && d.length <= 15;
  }

  function showError(message) {
    el("error").textContent = message;
    el("error").hidden = !message;
  }

  function ready() {
    if (!numberSelect.value) { showError(strings.no_number); return false; }
    if (!whoIsValid()) { showError(strings.bad_phone); return false; }
    window.localStorage.setItem("sandbox-phone-me", me.value);
    window.localStorage.setItem("sandbox-phone-number", numberSelect.value);
    showError("");
    return true;
  }

  function send(payload) {
    if (!ready()) return Promise.resolve();
    payload.phone_number_id = numberSelect.value;
    var sender = who();
    Object.keys(sender).forEach(function (key) { payload[key] = sender[key]; });
    return fetch("/sandbox/api/inbound", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload)
    }).then(function (response) {
      if (!response.ok) {
        return response.json().then(function (body) { showError(body.error ? body.error.message : strings.send_failed); });
      }
      return poll();
    }).catch(function () { showError(strings.send_failed); });
  }

  function ticks(message) {
    if (message.direction !== "in") return "";
    var cls = message.status === "read" ? "ticks read" : "ticks";
    var label = message.status === "read" ? "✓✓" : message.status === "delivered" ? "✓✓" : "✓";
    return '<span class="' + cls + '" data-status="' + message.status + '">' + label + "</span>";
  }

  function escapeHtml(value) {
    var div = document.createElement("div");
    div.textContent = value == null ? "" : String(value);
    return div.innerHTML;
  }

  function bubble(message) {
    var side = message.direction === "in" ? "mine" : "theirs";
    var html = '<div class="bubble ' + side + '" data-wamid="' + escapeHtml(message.wamid) + '">';
    html += '<div class="text">' + escapeHtml(message.text) + "</div>";
    if (message.buttons && message.buttons.length) {
      html += '<div class="buttons">';
      message.buttons.forEach(function (b) {
        html += '<button type="button" class="reply-button" data-button-id="' + escapeHtml(b.id) +
          '" data-context="' + escapeHtml(message.wamid) + '">' + escapeHtml(b.title) + "</button>";
      });
      html += "</div>";
    }
    html += '<div class="meta">' + escapeHtml(message.time) + " " + ticks(message) + "</div></div>";
    return html;
  }

  function render(data) {
    el("chat-title").textContent = data.number.verified_name;
    el("avatar").textContent = (data.number.verified_name || "W").charAt(0).toUpperCase();
    el("chat-subtitle").textContent = data.number.display_phone_number;
    el("typing").hidden = !data.typing;
    var html = data.messages.map(bubble).join("");
    if (html === rendered) return;
    rendered = html;
    chat.innerHTML = html || '<p class="empty" id="empty">' + escapeHtml(strings.empty) + "</p>";
    chat.scrollTop = chat.scrollHeight;
  }

  function poll() {
    if (!numberSelect.value || !whoIsValid()) return Promise.resolve();
    var sender = who();
    var query = "?phone_number_id=" + encodeURIComponent(numberSelect.value) +
      (sender.username ? "&username=" + encodeURIComponent(sender.username) : "&from=" + encodeURIComponent(sender.from));
    return fetch("/sandbox/api/chat" + query)
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) render(data); })
      .catch(function () { /* the next poll tries again */ });
  }

  el("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var value = text.value.trim();
    if (!value) return;
    text.value = "";
    send({ type: "text", text: value });
  });
  el("send-location").addEventListener("click", function () {
    send({ type: "location", location: { latitude: DEMO_LOCATION.latitude, longitude: DEMO_LOCATION.longitude, name: strings.location_name } });
  });
  // What customers do besides writing (docs/sandbox.md): edit or delete their last message, open the chat
  // for the first time (Meta's request_welcome), send something WhatsApp cannot pass on (a poll), stop or
  // resume the business's marketing messages (Meta's user_preferences; marketing templates then fail: 131050).
  document.addEventListener("click", function (event) {
    var action = event.target.closest("[data-event]");
    if (!action) return;
    var kind = action.getAttribute("data-event");
    var payload = { type: kind };
    if (action.getAttribute("data-value")) payload.value = action.getAttribute("data-value");
    if (kind === "edit") {
      var value = text.value.trim();
      if (!value) { showError(strings.edit_needs_text); return; }
      text.value = "";
      payload.text = value;
    }
    send(payload);
  });
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-button-id]");
    if (!target) return;
    var payload = { type: "button", button: { id: target.getAttribute("data-button-id"), title: target.textContent } };
    if (target.getAttribute("data-context")) payload.context_wamid = target.getAttribute("data-context");
    send(payload);
  });
  numberSelect.addEventListener("change", function () { rendered = ""; ready(); poll(); });
  me.addEventListener("change", function () { rendered = ""; if (ready()) poll(); });

  poll();
  window.setInterval(poll, 1000);
})();
