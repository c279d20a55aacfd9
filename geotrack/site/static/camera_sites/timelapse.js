// Time-lapse players: every [data-timelapse] section reads its frames from a json_script
// block and plays them with a date slider. Plain JS; user text goes in via textContent only.
(function () {
  "use strict";
  if (window.geotrackTimelapse) return; // the include may appear several times on a page
  window.geotrackTimelapse = true;

  function setup(section) {
    var data = document.getElementById(section.dataset.timelapse);
    var frames = data ? JSON.parse(data.textContent) : [];
    var img = section.querySelector(".timelapse-frame");
    if (!frames.length || !img) return;
    var slider = section.querySelector(".timelapse-slider");
    var daySelect = section.querySelector(".timelapse-day");
    var label = section.querySelector(".timelapse-time");
    var button = section.querySelector(".timelapse-play");
    var timer = null;
    var cache = {};
    slider.max = String(frames.length - 1);
    var days = [];
    frames.forEach(function (frame, index) {
      if (days.indexOf(frame.day) === -1) {
        days.push(frame.day);
        var option = document.createElement("option");
        option.value = String(index);
        option.textContent = frame.day;
        daySelect.appendChild(option);
      }
    });

    function preload(index) {
      var frame = frames[index];
      if (frame && !cache[frame.src]) { cache[frame.src] = new Image(); cache[frame.src].src = frame.src; }
    }
    function show(index) {
      var frame = frames[index];
      img.src = frame.src;
      slider.value = String(index);
      label.textContent = new Date(frame.t).toLocaleString();
      for (var i = daySelect.options.length - 1; i >= 0; i--) {
        if (Number(daySelect.options[i].value) <= index) { daySelect.selectedIndex = i; break; }
      }
      preload(index + 1);
      preload(index + 2);
    }
    function stop() {
      clearInterval(timer);
      timer = null;
      button.textContent = button.dataset.play;
    }
    button.addEventListener("click", function () {
      if (timer) { stop(); return; }
      button.textContent = button.dataset.pause;
      timer = setInterval(function () {
        var next = Number(slider.value) + 1;
        show(next >= frames.length ? 0 : next);
      }, 400);
    });
    slider.addEventListener("input", function () { stop(); show(Number(slider.value)); });
    daySelect.addEventListener("change", function () { stop(); show(Number(daySelect.value)); });
    show(frames.length - 1);
  }

  function start() { document.querySelectorAll("[data-timelapse]").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
