// The advisors' admin: a tabular inline that scrolls sideways (on a phone) but holds nothing
// focusable (read-only rows) gets tabindex=0 and a name, so keyboard users can scroll it.
(function () {
  "use strict";
  var FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]";
  function labelScrollableRegions() {
    document.querySelectorAll(".inline-group").forEach(function (group) {
      var scrolls = group.scrollWidth > group.clientWidth || group.scrollHeight > group.clientHeight;
      if (!scrolls || group.querySelector(FOCUSABLE)) {
        return;
      }
      var heading = group.querySelector("h2");
      group.setAttribute("tabindex", "0");
      group.setAttribute("role", "region");
      if (heading) {
        if (!heading.id) {
          heading.id = group.id + "-heading";
        }
        group.setAttribute("aria-labelledby", heading.id);
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", labelScrollableRegions);
  } else {
    labelScrollableRegions();
  }
  window.addEventListener("resize", labelScrollableRegions);
})();
