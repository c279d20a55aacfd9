/* geotrack's service worker, served at /sw.js (scope /) by geotrack/site/pages/offline.py, which puts
 * self.GEOTRACK (the URL of offline.js, the static prefix and a version) in front of this file.
 *
 * - Background Sync ("geotrack-outbox"): sends the forms queued offline (the outbox in offline.js).
 * - Static files: network first, the last copy when offline. Pages with a queued form (the page asks
 *   with "keep-page"): network first, the kept copy when offline. Nothing else is stored.
 */
/* global GEOTRACK, geotrackOutbox */
importScripts(self.GEOTRACK.offlineJs);
var CACHE = "geotrack-" + self.GEOTRACK.version;

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf("geotrack-") === 0 && name !== CACHE; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function tellPages() {
  return self.clients.matchAll({type: "window"}).then(function (pages) {
    pages.forEach(function (page) { page.postMessage({type: "outbox-changed"}); });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === geotrackOutbox.SYNC_TAG) event.waitUntil(geotrackOutbox.flush().then(tellPages));
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "keep-page" && new URL(data.url).origin === self.location.origin) {
    event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.add(new Request(data.url, {credentials: "same-origin"})); })
      .catch(function () { /* offline now: kept next time */ }));
  }
});

function networkFirst(request, keep) {
  return fetch(request).then(function (response) {
    if (keep && response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }, function () {
    return caches.match(request).then(function (kept) { return kept || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf(self.GEOTRACK.staticUrl) === 0) { event.respondWith(networkFirst(request, true)); return; }
  if (request.mode === "navigate") {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (kept) { return networkFirst(request, Boolean(kept)); });
    }));
  }
});
