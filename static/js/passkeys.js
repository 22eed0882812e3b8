/* Passkeys (WebAuthn): make one, or use one to log in.
 *
 * A form marked data-passkey="create" or data-passkey="get" carries the ceremony's options
 * (a JSON data block whose id is in data-passkey-options), a button data-passkey-start, a
 * hidden input data-passkey-response and a status line data-passkey-status. The button asks
 * the browser (fingerprint, face or PIN); the answer goes into the hidden input and the form
 * is posted, so the server's checks and messages are those of an ordinary form. The texts
 * come translated from the page (data-passkey-messages). Elements marked data-passkey-only
 * stay hidden where the browser has no passkeys. No inline script: the CSP forbids it.
 */
(function () {
  "use strict";

  function toBuffer(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    if (!buffer) { return null; }
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: toBuffer(item.id) });
    });
  }

  function creationOptions(json) {
    return Object.assign({}, json, {
      challenge: toBuffer(json.challenge),
      user: Object.assign({}, json.user, { id: toBuffer(json.user.id) }),
      excludeCredentials: descriptors(json.excludeCredentials)
    });
  }

  function requestOptions(json) {
    return Object.assign({}, json, {
      challenge: toBuffer(json.challenge),
      allowCredentials: descriptors(json.allowCredentials)
    });
  }

  function answer(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      json.response.userHandle = toBase64url(response.userHandle);
    }
    return JSON.stringify(json);
  }

  function problemText(error, texts) {
    if (error && error.name === "NotAllowedError") { return texts.cancelled; }
    if (error && error.name === "InvalidStateError") { return texts.exists; }
    if (error && error.name === "SecurityError") { return texts.insecure; }
    return texts.failed;
  }

  function setUp(form, supported) {
    var button = form.querySelector("[data-passkey-start]");
    var status = form.querySelector("[data-passkey-status]");
    var output = form.querySelector("[data-passkey-response]");
    var messages = form.querySelector("[data-passkey-messages]");
    var texts = messages ? messages.dataset : {};
    var data = document.getElementById(form.dataset.passkeyOptions);
    if (!button || !output || !data) { return; }
    if (!supported) {
      button.disabled = true;
      if (status) { status.textContent = texts.unsupported || ""; status.hidden = false; }
      return;
    }
    var busy = false;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      button.setAttribute("aria-busy", "true");
      if (status) { status.hidden = false; status.textContent = texts.waiting || ""; }
      var options = JSON.parse(data.textContent);
      var ceremony = form.dataset.passkey === "create"
        ? navigator.credentials.create({ publicKey: creationOptions(options) })
        : navigator.credentials.get({ publicKey: requestOptions(options) });
      ceremony.then(function (credential) {
        output.value = answer(credential);
        if (status) { status.textContent = texts.sending || ""; }
        form.submit();
      }).catch(function (error) {
        busy = false;
        button.removeAttribute("aria-busy");
        if (status) {
          status.textContent = problemText(error, texts);
          status.focus();
        }
      });
    });
  }

  var supported = Boolean(window.PublicKeyCredential && navigator.credentials &&
                          window.isSecureContext);
  document.querySelectorAll("[data-passkey-only]").forEach(function (element) {
    element.hidden = !supported;
  });
  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    setUp(form, supported);
  });
}());
