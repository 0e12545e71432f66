/* Embedded Signup: Meta's JS SDK (FB.login with a configuration id) in production; the sandbox's stand-in
   popup when the sandbox is on. Either way two things arrive, in any order: the session info
   (WA_EMBEDDED_SIGNUP message: FINISH with waba_id / phone_number_id, FINISH_ONLY_WABA with waba_id only, or
   CANCEL) and the login callback with a 30-second code. Both are posted to our API together, as soon as both
   are here. An empty code tells the API the person cancelled. This file defines fbAsyncInit, so it is loaded
   before Meta's SDK. */
(function () {
  "use strict";
  var button = document.getElementById("es-start");
  if (!button) return;
  var d = button.dataset;
  var statusBox = document.getElementById("es-status");
  // The two halves Meta sends, in no fixed order: the session info (WA_EMBEDDED_SIGNUP message) and the
  // login callback (authResponse.code, valid 30 seconds). We post once we have both, or, when one of them
  // has not come WAIT_MS after the other, with what we have: the server finds the number from the WABA.
  var WAIT_MS = 4000;
  var session = null, code = "", loginDone = false, timer = null;
  var posted = false;

  function show(text, kind) {
    statusBox.hidden = false;
    statusBox.textContent = text;
    statusBox.className = "notice" + (kind ? " " + kind : "");
  }

  function finished(s) {
    return s && /^FINISH/.test(s.event || "");
  }

  function post(withCode) {
    if (posted) return;
    posted = true;
    window.clearTimeout(timer);
    if (withCode) show(d.working);
    var data = (session && session.data) || {};
    fetch(d.apiUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({
        setup_code: d.setupCode, code: withCode || "",
        waba_id: data.waba_id || "", phone_number_id: data.phone_number_id || ""
      })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok) { window.location.href = d.nextUrl; return; }
      var error = result.body && result.body.error;
      show((error && error.message) || d.failed, "bad");
      posted = false;
      button.disabled = false;
    }).catch(function () { show(d.failed, "bad"); posted = false; button.disabled = false; });
  }

  function settle(timedOut) {
    if (posted) return;
    if (code && finished(session)) { post(code); return; }
    if (session && session.event === "CANCEL" && loginDone) { post(""); return; }
    if (!timedOut) {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { settle(true); }, WAIT_MS);
      return;
    }
    if (code) { post(code); return; }  // no session info came: the server asks Meta for the number
    if (finished(session)) {
      // Meta finished but handed us no login code: one more press finishes (the account exists now).
      show(d.retry, "bad");
      button.disabled = false;
      return;
    }
    if (loginDone || session) post("");  // closed or cancelled
  }

  function onSessionInfo(data) {
    if (!data || data.type !== "WA_EMBEDDED_SIGNUP") return;
    if (data.event === "ERROR") { show((data.data && data.data.error_message) || d.failed, "bad"); return; }
    session = data;
    settle(false);
  }

  function onLogin(authResponse) {
    loginDone = true;
    if (authResponse && authResponse.code) code = authResponse.code;
    settle(false);
  }

  function parse(event) {
    try { return typeof event.data === "string" ? JSON.parse(event.data) : event.data; } catch (e) { return null; }
  }

  window.addEventListener("message", function (event) {
    var data = parse(event);
    if (!data) return;
    if (d.sandbox === "1") {
      if (event.origin !== window.location.origin) return;
      if (data.type === "SANDBOX_FB_LOGIN") { onLogin(data.authResponse); return; }
    } else if (!/(^|\.)facebook\.com$/.test(new URL(event.origin).hostname)) {
      return;
    }
    onSessionInfo(data);
  });

  if (d.sandbox !== "1") {
    window.fbAsyncInit = function () {
      FB.init({ appId: d.appId, autoLogAppEvents: true, xfbml: false, version: d.graphVersion });
    };
  }

  button.addEventListener("click", function () {
    posted = false;
    session = null; code = ""; loginDone = false;
    window.clearTimeout(timer);
    button.disabled = true;
    statusBox.hidden = true;
    if (d.sandbox === "1") {
      var url = d.sandboxUrl + "?client=" + encodeURIComponent(d.clientLabel);
      // The sandbox can play Meta's variations (docs/sandbox.md): pass them through from this page's URL.
      var here = new URLSearchParams(window.location.search);
      ["finish", "order", "auth"].forEach(function (key) {
        if (here.get(key)) url += "&" + key + "=" + encodeURIComponent(here.get(key));
      });
      var popup = window.open(url, "embedded-signup", "width=420,height=720");
      if (!popup) { window.location.href = url; }
      button.disabled = false;
      return;
    }
    FB.login(function (response) { button.disabled = false; onLogin(response.authResponse); }, {
      config_id: d.configId,
      response_type: "code",
      override_default_response_type: true,
      extras: { setup: {}, featureType: "", sessionInfoVersion: "3" }
    });
  });
})();
