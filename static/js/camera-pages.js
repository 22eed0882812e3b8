// The phone's camera on the claim upload page alongside claims-upload.js:
// - photos are shrunk on the phone before they are sent (long edge 2400 px, JPEG 0.85:
//   measured with bench/phone_photo.py, the OCR reads the same as from the 12-MP original);
// - each page's preview gets a "re-take" button; after the first photo the camera button
//   says "next page", so a multi-page invoice is photographed page after page.
// Without this script (or without canvas support) the original files are sent unchanged.
(function () {
  "use strict";

  var MAX_EDGE = 2400;
  var QUALITY = 0.85;
  var SHRINKABLE = /^image\/(jpeg|png|webp)$/;
  // Below this a photo is sent as it is: not worth the wait, and the page stays instant.
  var SHRINK_ABOVE_BYTES = 1000000;

  function worthShrinking(file) {
    return SHRINKABLE.test(file.type) && file.size > SHRINK_ABOVE_BYTES;
  }

  function baseName(name) {
    var clean = (name || "photo").replace(/\.[^.]*$/, "");
    return clean || "photo";
  }

  // Resolves to a smaller upright JPEG, or to the file itself when it is small enough,
  // not an image the browser can draw (HEIC, PDF), or when shrinking would not help.
  function shrink(file) {
    if (!worthShrinking(file) || !window.createImageBitmap) return Promise.resolve(file);
    return window.createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var edge = Math.max(bitmap.width, bitmap.height);
      if (edge <= MAX_EDGE) {
        if (bitmap.close) bitmap.close();
        return file;
      }
      var scale = MAX_EDGE / edge;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";  // a transparent PNG becomes white paper, not black
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.imageSmoothingEnabled = true;
      context.imageSmoothingQuality = "high";
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(resolve, "image/jpeg", QUALITY);
      }).then(function (blob) {
        canvas.width = canvas.height = 0;  // free the pixels at once on small phones
        if (!blob || blob.size >= file.size) return file;
        return new File([blob], baseName(file.name) + ".jpg",
                        { type: "image/jpeg", lastModified: file.lastModified || Date.now() });
      });
    }).catch(function () { return file; });
  }

  function shrinkAll(files) {
    // One at a time: decoding several 12-MP photos at once can exhaust a phone's memory.
    var ready = [];
    return files.reduce(function (chain, file) {
      return chain.then(function () { return shrink(file); }).then(function (f) { ready.push(f); });
    }, Promise.resolve()).then(function () { return ready; });
  }

  function setup(form) {
    var box = form.querySelector("[data-camera-pages]");
    if (!box) return;
    var status = box.querySelector("[data-camera-status]");
    var retakeInput = null;  // the camera for re-taking one page, made when asked for
    var list = form.querySelector("[data-upload-previews]");
    var camera = form.querySelector("input[type=file][capture]");
    var cameraLabel = camera && form.querySelector('label[for="' + camera.id + '"] span');
    var cameraText = cameraLabel ? cameraLabel.textContent : "";
    var passing = typeof WeakSet === "function" ? new WeakSet() : null;
    var retakeIndex = -1;
    var submit = form.querySelector("[data-upload-submit]");

    function say(text) {
      box.hidden = !text;
      status.textContent = text || "";
    }

    function busy(on) {
      if (submit) submit.disabled = on;
      say(on ? box.getAttribute("data-msg-preparing") : "");
    }

    // Catch the file pickers' "change" before claims-upload.js sees it, shrink, hand on.
    form.addEventListener("change", function (event) {
      var input = event.target;
      if (!passing || input.type !== "file" || input === retakeInput) return;
      if (passing.has(event) || form.getAttribute("data-shrink") === "off") return;
      if (!input.files || !input.files.length || typeof DataTransfer !== "function") return;
      var files = Array.prototype.slice.call(input.files);
      if (!files.some(worthShrinking)) return;  // small files: straight on, no waiting
      event.stopImmediatePropagation();
      busy(true);
      shrinkAll(files).then(function (ready) {
        try {
          var transfer = new DataTransfer();
          ready.forEach(function (file) { transfer.items.add(file); });
          input.files = transfer.files;
        } catch (e) { /* keep the originals */ }
      }).then(function () {
        busy(false);
        var again = new Event("change", { bubbles: true });
        passing.add(again);
        input.dispatchEvent(again);
      });
    }, true);

    // Re-take one page: the camera again, and the new photo takes that page's place.
    function retake(index) {
      if (retakeInput) retakeInput.remove();
      retakeInput = document.createElement("input");
      retakeInput.type = "file";
      retakeInput.accept = "image/*";
      retakeInput.setAttribute("capture", "environment");
      retakeInput.className = "visually-hidden";
      retakeInput.tabIndex = -1;
      retakeInput.setAttribute("aria-hidden", "true");
      retakeInput.addEventListener("change", retaken);
      form.appendChild(retakeInput);
      retakeIndex = index;
      retakeInput.click();
    }

    function retaken() {
      var file = retakeInput.files && retakeInput.files[0];
      retakeInput.remove();
      retakeInput = null;
      if (!file || retakeIndex < 0 || !form.claimUpload) return;
      var index = retakeIndex;
      retakeIndex = -1;
      var keep = form.getAttribute("data-shrink") === "off" ? Promise.resolve(file) : shrink(file);
      busy(true);
      keep.then(function (ready) {
        busy(false);
        form.claimUpload.replace(index, ready);
      });
    }

    function decorate() {
      var items = list ? list.querySelectorAll(".upload-preview") : [];
      Array.prototype.forEach.call(items, function (item, index) {
        if (item.querySelector("[data-retake]") || !item.querySelector("img") || !form.claimUpload) return;
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button button--small button--quiet";
        button.setAttribute("data-retake", "");
        button.textContent = box.getAttribute("data-msg-retake");
        var name = item.querySelector(".upload-preview__name");
        var fileName = name ? name.textContent.replace(/^\d+\.\s*/, "") : "";
        button.setAttribute("aria-label", button.textContent + " " + fileName);
        button.addEventListener("click", function () { retake(index); });
        item.querySelector(".upload-preview__caption").appendChild(button);
      });
      if (cameraLabel) {
        cameraLabel.textContent = items.length ? box.getAttribute("data-msg-next") : cameraText;
      }
      // Pages shared from the phone are already there: no "nothing chosen yet".
      var empty = list && list.querySelector(".upload-previews__empty");
      if (empty) empty.hidden = !!form.querySelector("[data-shared-uploads] input:checked");
    }

    if (list && window.MutationObserver) {
      new MutationObserver(decorate).observe(list, { childList: true });
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "shared") decorate();
    });
    decorate();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-claim-upload]"), setup);
  });
})();
