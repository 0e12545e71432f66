// Hand the result to the page that opened the popup, the way Meta's SDK and FB.login do, then close.
(function () {
  "use strict";
  var events = JSON.parse(document.getElementById("es-events").textContent);
  if (!window.opener || window.opener.closed) {
    return; // opened directly: the values stay on screen
  }
  events.forEach(function (event) {
    window.opener.postMessage(event, "*");
  });
  var closing = document.getElementById("es-closing");
  if (closing) closing.hidden = false;
  window.setTimeout(function () { window.close(); }, 300);
})();
