// Claim upload: previews of each page before sending, and an XHR upload with progress.
// Progressive enhancement: without this script the plain multipart form works as is.
(function () {
  "use strict";

  // Units and decimal separator in the page's language (data-size-* on the form).
  function humanSize(form, bytes) {
    var separator = form.getAttribute("data-size-decimal") || ",";
    if (bytes >= 1048576) {
      return (bytes / 1048576).toFixed(1).replace(".", separator) + "\u00a0" + (form.getAttribute("data-size-mb") || "Mo");
    }
    return (bytes ? Math.max(1, Math.round(bytes / 1024)) : 0) + "\u00a0" + (form.getAttribute("data-size-kb") || "Ko");
  }

  function setup(form) {
    var inputs = form.querySelectorAll("input[type=file]");
    var list = form.querySelector("[data-upload-previews]");
    var errors = form.querySelector("[data-upload-errors]");
    var progress = form.querySelector("[data-upload-progress]");
    var bar = progress.querySelector("progress");
    var label = progress.querySelector("[data-upload-progress-label]");
    var submit = form.querySelector("[data-upload-submit]");
    var maxFiles = parseInt(form.getAttribute("data-max-files") || "10", 10);
    var chosen = [];
    var urls = [];

    function showErrors(messages) {
      errors.textContent = "";
      messages.forEach(function (text) {
        var p = document.createElement("p");
        p.className = "field__error";
        p.textContent = text;
        errors.appendChild(p);
      });
    }

    function render(badNames) {
      urls.forEach(function (url) { URL.revokeObjectURL(url); });
      urls = [];
      list.textContent = "";
      // For claim-patient-hint.js: the pages chosen so far, in order.
      form.dispatchEvent(new CustomEvent("claim-pages-changed", { detail: { files: chosen.slice() } }));
      if (!chosen.length) {
        var empty = document.createElement("li");
        empty.className = "upload-previews__empty muted";
        empty.textContent = form.getAttribute("data-msg-none");
        list.appendChild(empty);
        return;
      }
      chosen.forEach(function (file, index) {
        var item = document.createElement("li");
        item.className = "upload-preview";
        if (badNames && badNames.indexOf(file.name) !== -1) item.classList.add("upload-preview--invalid");
        var figure = document.createElement("div");
        figure.className = "upload-preview__image";
        if (/^image\/(jpeg|png|gif|webp)$/.test(file.type)) {
          var img = document.createElement("img");
          var url = URL.createObjectURL(file);
          urls.push(url);
          img.src = url;
          img.alt = "";
          figure.appendChild(img);
        } else {
          figure.classList.add("upload-preview__image--file");
          figure.textContent = file.type === "application/pdf" ? "PDF" : (file.name.split(".").pop() || "").toUpperCase();
        }
        var caption = document.createElement("div");
        caption.className = "upload-preview__caption";
        var name = document.createElement("span");
        name.className = "upload-preview__name";
        name.textContent = (index + 1) + ". " + file.name;
        var size = document.createElement("span");
        size.className = "muted";
        size.textContent = humanSize(form, file.size);
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "button button--small button--quiet";
        remove.textContent = form.getAttribute("data-msg-remove");
        remove.setAttribute("aria-label", form.getAttribute("data-msg-remove") + " " + file.name);
        remove.addEventListener("click", function () {
          chosen.splice(index, 1);
          render();
        });
        caption.appendChild(name);
        caption.appendChild(size);
        caption.appendChild(remove);
        item.appendChild(figure);
        item.appendChild(caption);
        list.appendChild(item);
      });
    }

    // For camera-pages.js: put a re-taken photo in a page's place.
    form.claimUpload = {
      replace: function (index, file) {
        if (index < 0 || index >= chosen.length) return;
        chosen[index] = file;
        render();
      }
    };

    Array.prototype.forEach.call(inputs, function (input) {
      input.classList.add("visually-hidden");
      input.addEventListener("change", function () {
        Array.prototype.forEach.call(input.files, function (file) { chosen.push(file); });
        input.value = "";
        if (chosen.length > maxFiles) {
          chosen = chosen.slice(0, maxFiles);
          showErrors([form.getAttribute("data-msg-too-many")]);
        } else {
          showErrors([]);
        }
        render();
      });
    });
    render();

    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) return;  // plain form post
      event.preventDefault();
      var data = new FormData(form);
      data.delete("pages");
      data.delete("files");
      chosen.forEach(function (file) { data.append("files", file, file.name); });
      // One id per submission: a retry after a lost answer does not make a second claim.
      data.append("upload_once", window.crypto && window.crypto.randomUUID
        ? window.crypto.randomUUID() : String(Date.now()) + "-" + String(Math.random()).slice(2));
      progress.hidden = false;
      bar.value = 0;
      label.textContent = form.getAttribute("data-msg-sending");
      submit.disabled = true;
      function failed(messages) {
        submit.disabled = false;
        progress.hidden = true;
        showErrors(messages);
        errors.scrollIntoView({ block: "center" });
      }
      // When the connection drops, send again: after 1, 2, 4 … 30 s, or as soon as the
      // phone is back online; while it is offline, wait for it without giving up.
      var retries = 0;
      var MAX_RETRIES = 8;
      function retryLater() {
        if (!navigator.onLine) {
          label.textContent = form.getAttribute("data-msg-retrying");
          window.addEventListener("online", function back() {
            window.removeEventListener("online", back);
            send();
          });
          return;
        }
        retries += 1;
        if (retries > MAX_RETRIES) { failed([form.getAttribute("data-msg-failed")]); return; }
        label.textContent = form.getAttribute("data-msg-retrying");
        var timer = setTimeout(again, Math.min(30000, 1000 * Math.pow(2, retries - 1)));
        function again() {
          clearTimeout(timer);
          window.removeEventListener("online", again);
          send();
        }
        window.addEventListener("online", again);
      }
      function send() {
        var xhr = new XMLHttpRequest();
        var started = Date.now();
        xhr.open("POST", form.getAttribute("action") || window.location.href);
        xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
        xhr.setRequestHeader("Accept", "application/json");
        bar.value = 0;
        xhr.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
          if (e.lengthComputable) label.textContent = form.getAttribute("data-msg-sending");
        });
        xhr.upload.addEventListener("load", function () {
          form.setAttribute("data-upload-ms", String(Date.now() - started));
          form.setAttribute("data-upload-bytes", String(chosen.reduce(function (n, f) { return n + f.size; }, 0)));
        });
        xhr.addEventListener("load", function () {
          if (xhr.status === 502 || xhr.status === 503 || xhr.status === 504) { retryLater(); return; }
          var body = null;
          try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
          if (body && body.ok && body.redirect) {
            bar.value = 100;
            window.location.assign(body.redirect);
            return;
          }
          if (!body || !body.errors) { failed([form.getAttribute("data-msg-failed")]); return; }
          var messages = [];
          Object.keys(body.errors).forEach(function (field) {
            body.errors[field].forEach(function (text) { messages.push(text); });
          });
          render((body.file_errors || []).map(function (f) { return f.name; }));
          failed(messages);
        });
        xhr.addEventListener("error", retryLater);
        xhr.addEventListener("timeout", retryLater);
        xhr.send(data);
      }
      send();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-claim-upload]"), setup);
  });
})();
