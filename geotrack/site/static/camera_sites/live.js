// The live view: HLS through hls.js (self-hosted), or natively where the browser plays HLS.
(function () {
  "use strict";
  var video = document.getElementById("live-video");
  if (!video) return;
  var source = video.dataset.src;
  var status = document.getElementById("live-status");
  function say(text) { if (status) status.textContent = text; }
  video.muted = true; // autoplay is allowed only for muted video
  if (window.Hls && window.Hls.isSupported()) {
    var hls = new window.Hls({ liveDurationInfinity: true });
    hls.on(window.Hls.Events.ERROR, function (_event, data) {
      if (data.fatal) say(video.dataset.errorText + " (" + data.details + ")");
    });
    hls.on(window.Hls.Events.MANIFEST_PARSED, function () { video.play().catch(function () {}); });
    hls.loadSource(source);
    hls.attachMedia(video);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = source;
    video.play().catch(function () {});
  } else {
    say(video.dataset.unsupportedText);
  }
})();
