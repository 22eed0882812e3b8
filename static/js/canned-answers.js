// The thread page: picking a canned answer puts its text in the reply box, to edit before
// sending (without this script the server sends the canned text when the box is empty).
(function () {
  "use strict";
  function install() {
    var data = document.getElementById("canned-answers");
    var choice = document.getElementById("id_canned");
    var reply = document.getElementById("id_reply");
    if (!data || !choice || !reply) {
      return;
    }
    var texts = JSON.parse(data.textContent);
    choice.addEventListener("change", function () {
      var text = texts[choice.value];
      if (!text) {
        return;
      }
      reply.value = reply.value.trim() ? reply.value.replace(/\s*$/, "\n\n") + text : text;
      reply.focus();
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", install);
  } else {
    install();
  }
})();
