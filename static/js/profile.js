// Profile page: after a refused form, bring the first field in error into view and focus it,
// so a keyboard or screen-reader user lands on the message instead of the top of a long page.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector(".field--invalid input, .field--invalid select, .form-error");
    if (!invalid) return;
    var target = invalid.matches(".form-error") ? invalid.parentElement.querySelector("input, select") : invalid;
    (target || invalid).scrollIntoView({ block: "center" });
    if (target) target.focus({ preventScroll: true });
  });
})();
