// Progressive enhancements for the portal. Loaded as a file (strict CSP: no inline scripts).
(function () {
  "use strict";

  // Warn two minutes before the server's idle logout; any click keeps the session alive.
  function idleWarning() {
    var body = document.body;
    var timeout = parseInt(body.getAttribute("data-idle-timeout") || "0", 10);
    var dialog = document.getElementById("idle-dialog");
    if (!timeout || !dialog || typeof dialog.showModal !== "function") return;
    var warnAfter = Math.max(timeout - 120, 30) * 1000;
    var warnTimer, logoutTimer;
    function schedule() {
      clearTimeout(warnTimer);
      clearTimeout(logoutTimer);
      warnTimer = setTimeout(function () { if (!dialog.open) dialog.showModal(); }, warnAfter);
      logoutTimer = setTimeout(function () { window.location.reload(); }, timeout * 1000 + 1000);
    }
    dialog.querySelector("[data-idle-stay]").addEventListener("click", function () {
      fetch(window.location.href, { method: "HEAD", credentials: "same-origin" }).finally(function () {
        dialog.close();
        schedule();
      });
    });
    schedule();
  }

  // The account menu is a <details>: it opens without JavaScript; with it, a tap outside or
  // Escape closes it, and Escape gives the focus back to its button.
  function accountMenu() {
    var menu = document.querySelector(".account-menu");
    if (!menu) return;
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    idleWarning();
    accountMenu();
  });
})();
