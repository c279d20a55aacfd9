/* The meeting room's presentation: one view at a time, each fetched live when shown, so that a report
 * accepted during the meeting appears on the next view. Keys: arrows, Page Up/Down (a clicker), space,
 * Home/End, number keys (0 the title view, 1-9 agenda entries); "f" toggles full screen. */
(function () {
  "use strict";
  var stage = document.getElementById("stage");
  var position = document.getElementById("position");
  var count = Number(stage.dataset.count);
  var base = stage.dataset.viewUrl.replace(/0\/$/, "");
  var current = 0;
  var loading = null;

  function show(index) {
    index = Math.max(0, Math.min(count - 1, index));
    current = index;
    position.textContent = (index + 1) + " / " + count;
    if (loading) loading.abort();
    loading = new AbortController();
    stage.setAttribute("aria-busy", "true");
    fetch(base + index + "/", {credentials: "same-origin", signal: loading.signal})
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        if (index !== current) return;
        stage.innerHTML = html;  // our own server-rendered, escaped fragment
        stage.removeAttribute("aria-busy");
        document.dispatchEvent(new CustomEvent("geotrack:view", {detail: {index: index}}));
      })
      .catch(function () { stage.removeAttribute("aria-busy"); });
  }

  function fullscreen() {
    if (document.fullscreenElement) { document.exitFullscreen(); }
    else if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen().catch(function () {}); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var key = event.key;
    // Enter and Space on a focused button or link are that control's own (next, full screen, leave).
    if ((key === " " || key === "Enter") && event.target.closest && event.target.closest("button, a")) return;
    if (key === "ArrowRight" || key === "ArrowDown" || key === "PageDown" || key === " ") show(current + 1);
    else if (key === "ArrowLeft" || key === "ArrowUp" || key === "PageUp" || key === "Backspace") show(current - 1);
    else if (key === "Home") show(0);
    else if (key === "End") show(count - 1);
    else if (/^[0-9]$/.test(key)) show(Number(key));
    else if (key === "f" || key === "F") fullscreen();
    else return;
    event.preventDefault();
  });
  document.querySelectorAll("[data-step]").forEach(function (button) {
    button.addEventListener("click", function () { show(current + Number(button.dataset.step)); });
  });
  document.getElementById("fullscreen").addEventListener("click", fullscreen);
})();
