// The insurance cards kept offline, only on a device where the customer turned it on.
// Stored in IndexedDB, encrypted with AES-GCM under a key this browser creates and marks
// non-extractable (it can be used here, never read out). Deleted at logout, when turned off,
// and once its expiry (set by the server) has passed. Loaded as a file: the CSP allows no
// inline script.
(function () {
  "use strict";
  var DB = "kpt-card", STORE = "card", KEY = "cards";
  var supported = !!(window.indexedDB && window.crypto && window.crypto.subtle && window.isSecureContext);

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(request && request.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function load() { return run("readonly", function (s) { return s.get(KEY); }); }
  function wipe() {
    return new Promise(function (resolve) {
      var request = indexedDB.deleteDatabase(DB);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    });
  }
  var leaving = false;  // logging out: a refresh still under way must not write again
  document.addEventListener("submit", function (event) {
    if (event.target.closest && event.target.closest("[data-logout]")) {
      leaving = true;
      wipe();
    }
  });
  function save(copy) {
    if (leaving) return Promise.resolve(null);
    var iv = crypto.getRandomValues(new Uint8Array(12));
    return crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"])
      .then(function (key) {
        var plain = new TextEncoder().encode(copy.html);
        return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, key, plain).then(function (data) {
          var record = { key: key, iv: iv, data: data, saved_at: copy.saved_at, expires_at: copy.expires_at };
          if (leaving) return null;
          return run("readwrite", function (s) { return s.put(record, KEY); }).then(function () { return record; });
        });
      });
  }
  function current() {
    // The stored record if it is still valid; an expired one is deleted.
    return load().then(function (record) {
      if (!record) return null;
      if (!(record.expires_at > Date.now())) return wipe().then(function () { return null; });
      return record;
    });
  }
  function fetchCopy(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("copy " + response.status);
        return response.json();
      });
  }
  function formatDate(ms) {
    return new Date(ms).toLocaleDateString(document.documentElement.lang || "fr",
      { day: "2-digit", month: "2-digit", year: "numeric" });
  }

  // The card pages: the choice, and a fresh copy each visit while it is on.
  function choice(section) {
    var on = section.querySelector("[data-card-offline-on]");
    var off = section.querySelector("[data-card-offline-off]");
    var status = section.querySelector("[data-card-offline-status]");
    var url = section.getAttribute("data-copy-url");
    function show(record) {
      on.hidden = !!record;
      off.hidden = !record;
      status.textContent = record
        ? section.getAttribute("data-msg-saved").replace("__DATE__", formatDate(record.expires_at))
        : "";
    }
    function fail() { status.textContent = section.getAttribute("data-msg-failed"); }
    section.hidden = false;
    on.addEventListener("click", function () {
      fetchCopy(url).then(save).then(show).catch(fail);
    });
    off.addEventListener("click", function () {
      wipe().then(function () {
        show(null);
        status.textContent = section.getAttribute("data-msg-cleared");
      });
    });
    current().then(function (record) {
      show(record);
      if (record) fetchCopy(url).then(save).then(show).catch(function () {});
    }).catch(fail);
  }

  // The offline page: the stored cards, if any.
  function view(container) {
    current().then(function (record) {
      if (!record) return;
      return crypto.subtle.decrypt({ name: "AES-GCM", iv: record.iv }, record.key, record.data)
        .then(function (plain) {
          // The server rendered (and escaped) this HTML; it never left this browser since.
          var parsed = new DOMParser().parseFromString(new TextDecoder().decode(plain), "text/html");
          var target = container.querySelector("[data-card-offline-cards]");
          Array.prototype.forEach.call(parsed.body.childNodes, function (node) {
            target.appendChild(document.importNode(node, true));
          });
          container.hidden = false;
          var note = document.querySelector("[data-offline-nothing-stored]");
          if (note) note.hidden = true;
        });
    }).catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!supported) return;
    var section = document.querySelector("[data-card-offline]");
    if (section) choice(section);
    var container = document.querySelector("[data-card-offline-view]");
    if (container) view(container);
  });
})();
