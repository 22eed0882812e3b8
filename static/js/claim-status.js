// The claim page follows the automatic reading: while the claim is being read, ask for its
// status every few seconds and show the new state as soon as it changes. The request is not
// counted as activity by the server, so an idle session still ends on time.
(function () {
  "use strict";

  var INTERVAL_MS = 3000;
  var GIVE_UP_AFTER_MS = 10 * 60 * 1000;

  function follow(box) {
    var url = box.getAttribute("data-claim-status-url");
    var status = box.getAttribute("data-claim-status");
    var started = Date.now();
    function poll() {
      if (Date.now() - started > GIVE_UP_AFTER_MS) return;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (state) {
          if (state.status !== status) {
            window.location.reload();
          } else if (state.reading) {
            setTimeout(poll, INTERVAL_MS);
          }
        })
        .catch(function () { setTimeout(poll, INTERVAL_MS * 3); });
    }
    setTimeout(poll, INTERVAL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-claim-status-url]");
    if (box) follow(box);
  });
})();
