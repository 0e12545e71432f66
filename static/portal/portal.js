// Live updates without a library: any element with data-poll-url is refreshed every data-poll-seconds
// (new messages, delivery ticks, handoffs and the 24-hour window in the thread head, the inbox list and its
// unread counts). Polling pauses while the tab is hidden. Also: the phone's tab row hints, keyboard send.
(function () {
  "use strict";

  function nearBottom(el) {
    return el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  }

  function startPolling(el) {
    var url = el.getAttribute("data-poll-url");
    var seconds = parseInt(el.getAttribute("data-poll-seconds") || "4", 10);
    var stick = el.hasAttribute("data-stick-bottom");
    var last = null; // the last fetched HTML, compared raw (innerHTML is normalised by the browser)
    if (stick) { el.scrollTop = el.scrollHeight; }

    function tick() {
      if (document.hidden) { return; }
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null || html === last) { return; }
          var follow = stick && nearBottom(el);
          last = html;
          el.innerHTML = html;
          el.setAttribute("data-updated", String(Date.now()));
          if (follow) { el.scrollTop = el.scrollHeight; }
        })
        .catch(function () { /* offline for a moment: the next tick tries again */ });
    }

    window.setInterval(tick, Math.max(seconds, 2) * 1000);
  }

  // A tap on an approved template fills the template form's name and language.
  function pickTemplate(event) {
    var button = event.target.closest(".template-pick");
    if (!button) { return; }
    var form = document.getElementById("template-form");
    form.querySelector("[name=name]").value = button.getAttribute("data-name");
    form.querySelector("[name=language]").value = button.getAttribute("data-language");
    form.querySelector("[name=parameters]").focus();
  }

  // The tab row scrolls sideways on a phone: show which side has more tabs, and start at the current one.
  function tabHints() {
    var wrap = document.getElementById("tabs-wrap");
    var tabs = document.getElementById("tabs");
    if (!wrap || !tabs) { return; }
    function update() {
      var left = tabs.scrollLeft;
      var room = tabs.scrollWidth - tabs.clientWidth;
      wrap.classList.toggle("more-left", left > 2);
      wrap.classList.toggle("more-right", room - left > 2);
    }
    var current = tabs.querySelector("a.on");
    if (current && tabs.scrollWidth > tabs.clientWidth) {
      tabs.scrollLeft = Math.max(0, current.offsetLeft - (tabs.clientWidth - current.offsetWidth) / 2);
    }
    tabs.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    update();
  }

  // Keyboard send, as in WhatsApp Web: Enter sends the reply, Shift+Enter starts a new line. Only with a real
  // keyboard and mouse (a phone's Enter stays a new line, as in WhatsApp), not while an input method is
  // composing a word, and never an empty message.
  var desktop = window.matchMedia("(hover: hover) and (pointer: fine)");

  function keyboardSend(event) {
    var box = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || !desktop.matches ||
        !box.matches("#send-form textarea")) {
      return;
    }
    event.preventDefault();
    var form = box.form;
    if (!box.value.trim() || form.getAttribute("data-sending")) { return; }
    form.setAttribute("data-sending", "1");
    form.requestSubmit();
  }

  document.addEventListener("DOMContentLoaded", function () {
    tabHints();
    document.addEventListener("keydown", keyboardSend);
    document.querySelectorAll("[data-poll-url]").forEach(startPolling);
    document.addEventListener("click", pickTemplate);
  });
})();
