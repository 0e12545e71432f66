/* Embedded Signup: Meta's JS SDK (FB.login with a configuration id) in production; the sandbox's stand-in
   popup when the sandbox is on. Either way two things arrive: the session info (WA_EMBEDDED_SIGNUP message
   with waba_id / phone_number_id, or CANCEL) and the login callback with a 30-second code, which is posted
   to our API at once. An empty code tells the API the person cancelled. */
(function () {
  "use strict";
  var button = document.getElementById("es-start");
  if (!button) return;
  var d = button.dataset;
  var statusBox = document.getElementById("es-status");
  var session = {};
  var posted = false;

  function show(text, kind) {
    statusBox.hidden = false;
    statusBox.textContent = text;
    statusBox.className = "notice" + (kind ? " " + kind : "");
  }

  function finish(code) {
    if (posted) return;
    posted = true;
    if (code) show(d.working);
    fetch(d.apiUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({
        setup_code: d.setupCode, code: code || "",
        waba_id: session.waba_id || "", phone_number_id: session.phone_number_id || ""
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

  function onSessionInfo(data) {
    if (!data || data.type !== "WA_EMBEDDED_SIGNUP") return;
    if (data.event === "CANCEL") { session = {}; return; }
    if (data.event === "ERROR") { show((data.data && data.data.error_message) || d.failed, "bad"); return; }
    session = data.data || {};
  }

  function onLogin(authResponse) {
    finish(authResponse && authResponse.code ? authResponse.code : "");
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
    session = {};
    button.disabled = true;
    statusBox.hidden = true;
    if (d.sandbox === "1") {
      var url = d.sandboxUrl + "?client=" + encodeURIComponent(d.clientLabel);
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
