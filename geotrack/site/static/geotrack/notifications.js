// /settings/notifications/: subscriptions, the Telegram code and the delivery log, all through the API.
// No inline script (Content-Security-Policy); every string from the server goes in as textContent.
(function () {
  "use strict";
  var root = document.getElementById("notification-settings");
  if (!root) { return; }
  var texts = JSON.parse(document.getElementById("notification-texts").textContent);
  var csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";

  function api(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({"Accept": "application/json", "X-CSRFToken": decodeURIComponent(csrf)},
                                    options.body ? {"Content-Type": "application/json"} : {});
    return fetch(url, options).then(function (response) {
      if (response.status === 204) { return null; }
      return response.json().then(function (body) {
        if (!response.ok) { var error = new Error("API"); error.body = body; throw error; }
        return body;
      });
    });
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    row.appendChild(td);
    return td;
  }

  function follows(s) {
    var parts = [];
    if (s.regions.length) { parts.push(s.regions.join(", ")); }
    if (s.agencies.length) { parts.push(s.agencies.join(", ")); }
    if (s.roadmap_items.length) { parts.push("#" + s.roadmap_items.join(", #")); }
    if (s.projects.length) { parts.push("P" + s.projects.join(", P")); }
    var what = parts.length ? parts.join("; ") : texts.everything;
    if (s.alert_kinds.length) {
      what += " (" + s.alert_kinds.map(function (k) { return texts.kinds[k] || k; }).join(", ") + ")";
    }
    return what;
  }

  function loadSubscriptions() {
    api(root.dataset.subscriptionsUrl).then(function (list) {
      var body = document.getElementById("subscriptions");
      body.textContent = "";
      list.forEach(function (s) {
        var row = document.createElement("tr");
        row.dataset.id = s.id;
        cell(row, s.channel + (s.address ? " " + s.address : ""));
        cell(row, follows(s));
        cell(row, texts.modes[s.mode] || s.mode);
        var button = document.createElement("button");
        button.type = "button";
        button.className = "delete-subscription";
        button.textContent = texts["delete"];
        button.addEventListener("click", function () {
          api(root.dataset.subscriptionsUrl + s.id + "/", {method: "DELETE"}).then(loadSubscriptions);
        });
        cell(row, "").appendChild(button);
        body.appendChild(row);
      });
    });
  }

  function numbers(value) {
    return value.split(/[\s,;]+/).filter(Boolean).map(Number);
  }

  document.getElementById("subscription-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    var error = document.getElementById("subscription-error");
    error.textContent = "";
    var selected = function (name) {
      return Array.prototype.map.call(form.elements[name].selectedOptions, function (o) { return o.value; });
    };
    var body = {
      channel: form.elements.channel.value, address: form.elements.address.value.trim(),
      regions: selected("regions"), agencies: selected("agencies"),
      roadmap_items: numbers(form.elements.roadmap_items.value), projects: numbers(form.elements.projects.value),
      alert_kinds: Array.prototype.filter.call(form.querySelectorAll("input[name=alert_kinds]"),
                                               function (box) { return box.checked; }).map(function (box) { return box.value; }),
      mode: form.elements.mode.value, digest_hour: Number(form.elements.digest_hour.value || 8),
      language: root.dataset.language
    };
    if (form.elements.quiet_start.value && form.elements.quiet_end.value) {
      body.quiet_start = form.elements.quiet_start.value;
      body.quiet_end = form.elements.quiet_end.value;
    }
    api(root.dataset.subscriptionsUrl, {method: "POST", body: JSON.stringify(body)}).then(function () {
      error.textContent = texts.saved;
      form.reset();
      loadSubscriptions();
    }).catch(function (e) {
      var b = e.body || {};
      error.textContent = b.detail + (b.errors ? " " + JSON.stringify(b.errors) : "");
    });
  });

  document.getElementById("telegram-new-code").addEventListener("click", function () {
    api(root.dataset.telegramUrl, {method: "POST"}).then(function (state) {
      document.getElementById("telegram-code").textContent = state.code || "—";
    });
  });

  function loadLog() {
    api(root.dataset.notificationsUrl).then(function (page) {
      var body = document.getElementById("delivery-log");
      body.textContent = "";
      page.results.forEach(function (d) {
        var row = document.createElement("tr");
        cell(row, new Date(d.sent_at || d.created_at).toLocaleString(root.dataset.language));
        cell(row, (texts.kinds[d.kind] || d.kind) + (d.title ? ": " + d.title : ""));
        cell(row, d.channel);
        cell(row, texts.states[d.state] || d.state);
        cell(row, d.last_error);
        body.appendChild(row);
      });
    });
  }

  loadSubscriptions();
  loadLog();
}());
