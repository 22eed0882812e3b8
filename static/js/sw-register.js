// Registers the portal's service worker (/sw.js, whole-site scope). Loaded as a file: the
// strict CSP allows no inline script. The worker keeps only the static shell.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
      // No worker (private mode, old browser): the portal works the same online.
    });
  });
  // Logging out deletes the insurance cards a customer kept offline on this device (the
  // server's Clear-Site-Data does the same where the browser supports it).
  document.addEventListener("submit", function (event) {
    if (event.target.closest && event.target.closest("[data-logout]") && window.indexedDB) {
      window.indexedDB.deleteDatabase("kpt-card");
    }
  });
  // The offline page's "retry" reloads the page the customer wanted, not the start page.
  document.addEventListener("DOMContentLoaded", function () {
    var retry = document.querySelector("[data-offline-retry]");
    if (!retry) return;
    retry.addEventListener("click", function (event) {
      event.preventDefault();
      window.location.reload();
    });
  });
})();
