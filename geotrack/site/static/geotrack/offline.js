/* Forms that work on a phone with poor coverage: every <form data-offline-queue>.
 *
 * - What was typed is kept on the device (localStorage) until the form is sent: a reload, a crash or
 *   a dead battery loses nothing but the photos' selection.
 * - A submission goes out with fetch, its FormData and an Idempotency-Key made on the device
 *   (crypto.randomUUID): the server saves it once however often it arrives (geotrack/core/idempotency.py).
 * - Offline (or when the request cannot reach the server) the submission, photos included, waits in
 *   IndexedDB and is listed on the page under "Waiting to send"; it is sent when the `online` event
 *   fires, on the next load of any page of ours, or by the service worker's Background Sync (/sw.js),
 *   whichever comes first. A Web Lock keeps two senders from sending the same entry at once.
 *
 * The same file runs in the service worker (importScripts): there only the outbox part is used.
 * Every word shown comes from the page (data-offline-* attributes), set as text, never as HTML.
 */
(function (root) {
  "use strict";
  var DB_NAME = "geotrack-offline", STORE = "outbox", SYNC_TAG = "geotrack-outbox", LOCK = "geotrack-outbox";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = root.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, {keyPath: "key"}); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, action) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode), request = action(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  var outbox = {
    all: function () {
      return withStore("readonly", function (store) { return store.getAll(); }).then(function (entries) {
        return (entries || []).sort(function (a, b) { return a.createdAt - b.createdAt; });
      });
    },
    put: function (entry) { return withStore("readwrite", function (store) { return store.put(entry); }); },
    remove: function (key) { return withStore("readwrite", function (store) { return store.delete(key); }); }
  };

  function uuid() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    var bytes = root.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function withLock(action) {
    if (root.navigator && root.navigator.locks) return root.navigator.locks.request(LOCK, action);
    return action();
  }

  /* One POST of one entry. Resolves to the Response; rejects when the network fails. */
  function currentCsrf() {
    // A page reads the current token (it changes when one signs in again); the worker uses the stored one.
    if (typeof document === "undefined") return null;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : null;
  }

  function send(entry) {
    var data = new FormData(), csrf = currentCsrf() || entry.csrf || "";
    entry.fields.forEach(function (field) {
      if (field.file) data.append(field.name, field.file, field.filename || "photo.jpg");
      else data.append(field.name, field.name === "csrfmiddlewaretoken" ? csrf : field.value);
    });
    return fetch(entry.url, {method: "POST", body: data, credentials: "same-origin", redirect: "manual",
                             headers: {"Idempotency-Key": entry.key, "Accept": "application/json",
                                       "X-CSRFToken": csrf}});
  }

  function answerOf(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") === -1) return Promise.resolve({});
    return response.json().catch(function () { return {}; });
  }

  /* Send every waiting entry, oldest first; stop at the first network failure. An entry the server
   * answered (2xx, or a replay of an earlier answer) leaves the outbox; one it refused (400: the data
   * is wrong) stays, marked with the reason; anything else (signed out, server busy) stays to retry. */
  function flush() {
    return withLock(function () {
      return outbox.all().then(function (entries) {
        var sent = 0;
        var chain = Promise.resolve(true);
        entries.forEach(function (entry) {
          chain = chain.then(function (go) {
            if (!go || entry.refused || entry.receipt) return go;
            return send(entry).then(function (response) {
              if (response.ok) {
                sent += 1;
                return answerOf(response).then(function (answer) {
                  // An answer with a page to follow (citizen feedback's private link) is kept, without the
                  // photos, as a receipt the form's page shows once; otherwise the entry simply leaves.
                  if (!answer.follow_url) return outbox.remove(entry.key);
                  return outbox.put({key: entry.key, page: entry.page, createdAt: entry.createdAt, title: entry.title,
                                     fields: [], receipt: {follow_url: String(answer.follow_url)}});
                }).then(function () { return true; });
              }
              if (response.status === 400) {
                return answerOf(response).then(function (answer) {
                  entry.refused = answer.detail || String(response.status);
                  entry.errors = answer.errors || {};
                  return outbox.put(entry).then(function () { return true; });
                });
              }
              return true;
            }, function () { return false; });
          });
        });
        return chain.then(function () { return sent; });
      });
    });
  }

  root.geotrackOutbox = {outbox: outbox, flush: flush, send: send, uuid: uuid, SYNC_TAG: SYNC_TAG};
  if (typeof document === "undefined") return;  // the service worker stops here

  /* ---- the page ------------------------------------------------------------------------- */
  var script = document.currentScript;
  var swUrl = script && script.getAttribute("data-service-worker");
  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-offline-queue]"));

  function words(form, name, fallback) { return form.getAttribute("data-offline-" + name) || fallback; }
  function draftKey(form, index) { return "geotrack-draft:" + location.pathname + ":" + (form.id || index); }

  function keepable(element) {
    var type = (element.type || "").toLowerCase();
    return element.name && element.name !== "csrfmiddlewaretoken" &&
      ["file", "hidden", "password", "submit", "button"].indexOf(type) === -1;
  }

  function saveDraft(form, key) {
    var draft = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!keepable(element)) return;
      if (element.type === "checkbox" || element.type === "radio") { if (element.checked) draft[element.name] = element.value; }
      else draft[element.name] = element.value;
    });
    try { localStorage.setItem(key, JSON.stringify(draft)); } catch (e) { /* storage full or off: nothing kept */ }
  }

  function restoreDraft(form, key) {
    var draft;
    try { draft = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { draft = null; }
    if (!draft) return;
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!keepable(element) || !(element.name in draft)) return;
      if (element.type === "checkbox" || element.type === "radio") element.checked = draft[element.name] === element.value;
      else if (!element.value || element.tagName === "SELECT") element.value = draft[element.name];
    });
  }

  function fieldsOf(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") fields.push({name: name, value: value});
      else if (value && value.size) fields.push({name: name, file: value, filename: value.name});
    });
    return fields;
  }

  function say(form, text, kind) {
    var status = form.gtStatus;
    status.textContent = text;
    status.className = "offline-status" + (kind ? " offline-" + kind : "");
  }

  /* A sent entry's receipt: "Sent." and a link to follow it, shown once under the form. */
  function showReceipt(form, entry) {
    say(form, words(form, "sent", "Sent.") + " ", "ok");
    var link = document.createElement("a");
    link.href = entry.receipt.follow_url;
    link.className = "offline-follow";
    link.textContent = words(form, "follow", "Follow your message");
    form.gtStatus.appendChild(link);
    return outbox.remove(entry.key);
  }

  function render(form) {
    var box = form.gtList, list = box.querySelector("ul");
    return outbox.all().then(function (entries) {
      var here = entries.filter(function (entry) { return entry.page === location.pathname; });
      var mine = here.filter(function (entry) { return !entry.receipt; });
      here.filter(function (entry) { return entry.receipt; }).forEach(function (entry) { showReceipt(form, entry); });
      list.textContent = "";
      mine.forEach(function (entry) {
        var item = document.createElement("li");
        item.setAttribute("data-outbox-key", entry.key);
        var when = new Date(entry.createdAt);
        item.textContent = (entry.title || words(form, "item", "Report")) + " · " + when.toLocaleString() +
          " · " + entry.fields.filter(function (f) { return f.file; }).length + " " + words(form, "photos", "photo(s)");
        if (entry.refused) {
          var reason = document.createElement("strong");
          reason.textContent = " " + words(form, "refused", "Refused by the server:") + " " + entry.refused + " " +
            Object.keys(entry.errors || {}).map(function (k) { return entry.errors[k].join(" "); }).join(" ");
          item.appendChild(reason);
          var discard = document.createElement("button");
          discard.type = "button";
          discard.textContent = words(form, "discard", "Discard");
          discard.addEventListener("click", function () {
            outbox.remove(entry.key).then(function () { render(form); });
          });
          item.appendChild(discard);
        }
        list.appendChild(item);
      });
      box.hidden = mine.length === 0;
      return mine.length;
    });
  }

  function renderAll() { return Promise.all(forms.map(render)); }

  function sendWaiting() {
    if (!navigator.onLine) return Promise.resolve(0);
    return flush().then(function (sent) {
      return renderAll().then(function () {
        if (sent) forms.forEach(function (form) { if (!form.gtStatus.querySelector("a")) say(form, words(form, "sent", "Sent."), "ok"); });
        return sent;
      });
    });
  }

  function queue(form, entry, key) {
    return outbox.put(entry).then(function () {
      localStorage.removeItem(key);
      form.reset();
      say(form, words(form, "queued", "Saved on this device; it will be sent when the connection returns."), "queued");
      if (navigator.serviceWorker && navigator.serviceWorker.ready) {
        navigator.serviceWorker.ready.then(function (registration) {
          if (registration.sync) return registration.sync.register(SYNC_TAG);
        }).catch(function () { /* no Background Sync: the online event and the next load send it */ });
      }
      return render(form);
    });
  }

  forms.forEach(function (form, index) {
    var key = draftKey(form, index);
    var status = document.createElement("p");
    status.setAttribute("role", "status");
    status.className = "offline-status";
    form.parentNode.insertBefore(status, form.nextSibling);
    var box = document.createElement("section");
    box.className = "outbox";
    box.hidden = true;
    box.setAttribute("aria-live", "polite");
    var heading = document.createElement("h2");
    heading.textContent = words(form, "waiting", "Waiting to send");
    box.appendChild(heading);
    box.appendChild(document.createElement("ul"));
    status.parentNode.insertBefore(box, status.nextSibling);
    form.gtStatus = status; form.gtList = box;

    restoreDraft(form, key);
    form.addEventListener("input", function () { saveDraft(form, key); });
    form.addEventListener("change", function () { saveDraft(form, key); });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var token = form.querySelector("[name=csrfmiddlewaretoken]");
      var entry = {key: uuid(), url: form.action || location.href, page: location.pathname, createdAt: Date.now(),
                   title: words(form, "title", document.title), csrf: token ? token.value : "", fields: fieldsOf(form)};
      if (!navigator.onLine) { queue(form, entry, key); return; }
      say(form, words(form, "sending", "Sending…"), "busy");
      send(entry).then(function (response) {
        return answerOf(response).then(function (answer) {
          if (response.ok) {
            localStorage.removeItem(key);
            // Feedback answers with its private follow link (and "location" is then its GeoJSON point);
            // a progress report with {"location": the project's page} and a Location header.
            var next = answer.follow_url || (typeof answer.location === "string" ? answer.location : "");
            window.location.assign(next || response.headers.get("Location") || location.href);
            return;
          }
          if (response.status === 400) {
            var details = Object.keys(answer.errors || {}).map(function (k) { return answer.errors[k].join(" "); });
            say(form, [answer.detail || ""].concat(details).join(" "), "error");
            return;
          }
          queue(form, entry, key);  // signed out, busy, or an error page: keep it and try again later
        });
      }, function () { queue(form, entry, key); });
    });
  });

  window.addEventListener("online", sendWaiting);
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "outbox-changed") renderAll();
    });
    if (swUrl) {
      navigator.serviceWorker.register(swUrl, {scope: "/"}).then(function () {
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        // Pages with a queued form are kept for opening again without a connection.
        if (forms.length && registration.active) registration.active.postMessage({type: "keep-page", url: location.href});
      }).catch(function () { /* no service worker: the page still queues while it stays open */ });
    }
  }
  renderAll().then(sendWaiting);
})(self);
