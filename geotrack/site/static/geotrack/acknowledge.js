// Acknowledge an alert on the dashboard: a comment is required; the API answers with the alert's new clock.
(function () {
  "use strict";
  var csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  document.querySelectorAll("form.acknowledge").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var error = form.querySelector(".error");
      fetch(form.dataset.url, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json",
                  "X-CSRFToken": decodeURIComponent(csrf)},
        body: JSON.stringify({comment: form.elements.comment.value})
      }).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw body; }
          var clock = form.parentNode.querySelector(".alert-clock");
          if (clock) { clock.textContent = body.text; }
          form.remove();
        });
      }).catch(function (body) {
        error.textContent = (body && body.detail) || "";
      });
    });
  });
}());
