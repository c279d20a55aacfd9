/* The item page's work panel: execution reports, decisions and deadline changes, all through the API
 * (session and CSRF token; If-Match on drafts). Errors are the API's own words. */
(function () {
  "use strict";
  var panel = document.getElementById("work");
  if (!panel) return;
  var status = document.getElementById("work-status");

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function url(name, id) { return panel.dataset[name].replace("/0/", "/" + id + "/"); }
  function say(text) { status.textContent = text; }

  function call(method, target, body, extra) {
    var headers = Object.assign({"Accept": "application/json", "X-CSRFToken": csrfToken()}, extra || {});
    var options = {method: method, credentials: "same-origin", headers: headers};
    if (body instanceof FormData) { options.body = body; }
    else if (body !== undefined) { headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    return fetch(target, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { throw new Error(data.detail || String(response.status)); }
        return data;
      });
    });
  }

  function upload(reportId, form) {
    var input = form.querySelector("input[type=file]");
    if (!input || !input.files.length) return Promise.resolve();
    var data = new FormData();
    data.append("file", input.files[0]);
    return call("POST", url("documentsUrl", reportId), data);
  }

  function today() {
    var now = new Date();
    return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  }
  function milestones(form) {
    return Array.prototype.map.call(form.querySelectorAll("input[name=milestone]:checked"), function (box) {
      return {id: Number(box.value), done_on: today()};
    });
  }

  function done(text) { say(text); window.location.reload(); }
  function failed(error) { say(error.message); }

  var create = document.getElementById("report-new");
  if (create) {
    create.addEventListener("submit", function (event) {
      event.preventDefault();
      var submit = event.submitter && event.submitter.value === "submit";
      var body = {period: Number(create.period.value), text: create.text.value,
                  percent_done: Number(create.percent_done.value || 0), milestones: milestones(create)};
      call("POST", panel.dataset.reportsUrl, body).then(function (report) {
        return upload(report.id, create).then(function () {
          return submit ? call("POST", url("submitUrl", report.id)) : report;
        });
      }).then(function (report) { done(report.state); }).catch(failed);
    });
  }

  document.querySelectorAll("form.report-edit").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var id = form.dataset.report;
      var body = {text: form.text.value, percent_done: Number(form.percent_done.value || 0)};
      if (form.querySelector("input[name=milestone]:checked")) body.milestones = milestones(form);
      call("PATCH", url("reportUrl", id), body, {"If-Match": form.dataset.etag})
        .then(function () { return upload(id, form); })
        .then(function () { return call("POST", url("submitUrl", id)); })
        .then(function (report) { done(report.state); }).catch(failed);
    });
  });

  document.querySelectorAll("form.report-decide").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var id = form.dataset.report;
      var action = event.submitter ? event.submitter.value : "accept";
      var target = url(action === "return" ? "returnUrl" : "acceptUrl", id);
      call("POST", target, {comment: form.comment.value}).then(function (report) { done(report.state); }).catch(failed);
    });
  });

  var move = document.getElementById("deadline-request");
  if (move) {
    move.addEventListener("submit", function (event) {
      event.preventDefault();
      call("POST", panel.dataset.movesUrl, {deadline: move.deadline.value, reason: move.reason.value})
        .then(function (change) { done(change.state); }).catch(failed);
    });
  }

  document.querySelectorAll("form.deadline-decide").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var action = event.submitter ? event.submitter.value : "approve";
      call("POST", url(action === "refuse" ? "refuseUrl" : "approveUrl", form.dataset.change), {})
        .then(function (change) { done(change.state); }).catch(failed);
    });
  });
})();
