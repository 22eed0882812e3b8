// KPT portal service worker (version __VERSION__), served at /sw.js for the whole site.
// It keeps ONLY the static shell (styles, scripts, icons, the offline page). Pages, files
// and anything else with customer data always come from the network and are never stored.
"use strict";

var CACHE = "kpt-shell-__VERSION__";
var SHELL = {{ shell_json|safe }};
var OFFLINE = {{ offline_json|safe }};

function shellRequest(url) {
  // Fetched without cookies: the shell is the same for everyone.
  return new Request(url, { credentials: "omit", cache: "reload" });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) { return cache.addAll(SHELL.map(shellRequest)); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (keys) {
        return Promise.all(keys.filter(function (key) { return key !== CACHE; })
          .map(function (key) { return caches.delete(key); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

function fromShell(request, path) {
  // Stale-while-revalidate for the shell only: answer from the cache, refresh in the back.
  return caches.open(CACHE).then(function (cache) {
    return cache.match(path).then(function (hit) {
      var refresh = fetch(shellRequest(path)).then(function (response) {
        if (response.ok) cache.put(path, response.clone());
        return response;
      });
      if (hit) {
        refresh.catch(function () {});
        return hit;
      }
      return refresh;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Network only; the offline page only when the network fails.
    event.respondWith(fetch(request).catch(function () {
      return caches.match(OFFLINE, { cacheName: CACHE });
    }));
    return;
  }
  if (url.search === "" && SHELL.indexOf(url.pathname) !== -1) {
    event.respondWith(fromShell(request, url.pathname));
  }
  // Everything else: not handled here, so the browser goes to the network as usual.
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "kpt-clear") {
    event.waitUntil(caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (key) { return caches.delete(key); }));
    }));
  }
});
