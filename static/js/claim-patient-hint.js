// A gentle hint before sending: the first chosen page is read quickly on the server
// (claims/prereads.py); when it seems to concern another insured person of the household than
// the one chosen, say so and offer to switch. It never blocks sending, and gives up quietly
// when the answer takes longer than a few seconds.
(function () {
  "use strict";

  var WAIT_MS = 8000;      // past this, no hint: the customer is not kept waiting
  var POLL_MS = 700;
  var MAX_SIDE = 2000;     // photos are downsized before the quick look (pixels)
  var MAX_PDF_BYTES = 4 * 1024 * 1024;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : all;
    });
  }

  // A photo as a smaller JPEG (canvas); a PDF as it is; anything else: nothing.
  function prepare(file) {
    if (file.type === "application/pdf") {
      return Promise.resolve(file.size <= MAX_PDF_BYTES ? file : null);
    }
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || !window.createImageBitmap) {
      return Promise.resolve(file.size <= MAX_PDF_BYTES ? file : null);
    }
    return window.createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size <= MAX_PDF_BYTES) return file;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return null; });
  }

  function setup(form) {
    var box = form.querySelector("[data-patient-hint]");
    var select = form.querySelector("select[name=insured_person]");
    if (!box || !select || !window.fetch || !window.FormData) return;
    var text = box.querySelector("[data-patient-hint-text]");
    var button = box.querySelector("[data-patient-hint-switch]");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    var found = null;      // {person, name, first_name} the first page seems to concern
    var round = 0;         // a newer choice of pages makes older answers moot

    function chosenName() {
      var option = select.options[select.selectedIndex];
      return option ? option.textContent.trim() : "";
    }

    function show() {
      if (!found || !found.person || String(found.person) === select.value) {
        box.hidden = true;
        return;
      }
      text.textContent = fill(box.getAttribute("data-msg-hint"), {
        invoice: found.name, chosen: chosenName(), first: found.first_name
      });
      button.textContent = fill(box.getAttribute("data-msg-switch"), { first: found.first_name });
      box.hidden = false;
    }

    function poll(token, mine, started) {
      if (mine !== round || Date.now() - started > WAIT_MS) return;
      fetch(box.getAttribute("data-result-url").replace("TOKEN", token), {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (body) {
        if (mine !== round || !body) return;
        if (body.state === "pending") {
          window.setTimeout(function () { poll(token, mine, started); }, POLL_MS);
          return;
        }
        found = body.person ? body : null;
        if (Date.now() - started <= WAIT_MS) show();
      }).catch(function () { /* no hint */ });
    }

    function preRead(file) {
      round += 1;
      var mine = round;
      var started = Date.now();
      found = null;
      box.hidden = true;
      if (!file) return;
      prepare(file).then(function (blob) {
        if (!blob || mine !== round) return;
        var data = new FormData();
        data.append("page", blob, file.type === "application/pdf" ? "page.pdf" : "page.jpg");
        return fetch(box.getAttribute("data-url"), {
          method: "POST", body: data, credentials: "same-origin",
          headers: { "X-CSRFToken": csrf ? csrf.value : "", "Accept": "application/json" }
        }).then(function (response) {
          return response.ok ? response.json() : null;
        }).then(function (body) {
          if (body && body.token) poll(body.token, mine, started);
        });
      }).catch(function () { /* no hint */ });
    }

    var first = null;
    form.addEventListener("claim-pages-changed", function (event) {
      var files = (event.detail && event.detail.files) || [];
      if (files[0] === first) return;
      first = files[0] || null;
      preRead(first);
    });
    select.addEventListener("change", show);
    button.addEventListener("click", function () {
      if (!found) return;
      select.value = String(found.person);
      select.dispatchEvent(new Event("change", { bubbles: true }));
      box.hidden = true;
      var done = form.querySelector("[data-patient-hint-done]");
      if (done) {
        done.textContent = fill(box.getAttribute("data-msg-done"), { invoice: found.name });
        done.hidden = false;
      }
    });
    select.addEventListener("change", function () {
      var done = form.querySelector("[data-patient-hint-done]");
      if (done && found && String(found.person) !== select.value) done.hidden = true;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-claim-upload]"), setup);
  });
})();
