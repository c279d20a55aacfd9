/* The feedback form's location: a click on the map, or the phone's position once the user asks for it.
   The chosen point goes into the hidden "location" field as a GeoJSON Point; nothing is sent from here
   (the form posts itself, or offline.js queues it). No inline script: the page's CSP forbids it. */
(function () {
  "use strict";
  var form = document.getElementById("feedback-form");
  var config = document.getElementById("feedback-picker");
  if (!form || !config || typeof L === "undefined") { return; }
  var picker = JSON.parse(config.textContent);
  var field = document.getElementById("feedback-location");
  var status = document.getElementById("feedback-location-status");
  var clear = document.getElementById("feedback-clear-location");
  var photos = document.getElementById("feedback-photos");
  var map = L.map("feedback-map", { scrollWheelZoom: false }).setView(picker.centre, picker.site ? 15 : 5);
  if (picker.basemap) { L.tileLayer(picker.basemap, { maxZoom: 19 }).addTo(map); }
  if (picker.site) {
    var site = L.geoJSON(picker.site, { interactive: false, style: { color: "#1565c0", weight: 2 } }).addTo(map);
    map.fitBounds(site.getBounds(), { maxZoom: 16, padding: [20, 20] });
  }
  var marker = null;

  function place(lat, lon, how) {
    var point = L.latLng(lat, lon);
    if (marker) { marker.setLatLng(point); } else { marker = L.circleMarker(point, { radius: 8, color: "#c62828", interactive: false }).addTo(map); }
    field.value = JSON.stringify({ type: "Point", coordinates: [Number(lon.toFixed(6)), Number(lat.toFixed(6))] });
    status.textContent = how + " " + lat.toFixed(5) + ", " + lon.toFixed(5);
    clear.hidden = false;
  }

  map.on("click", function (event) { place(event.latlng.lat, event.latlng.lng, gettextOr("Marked:")); });
  clear.addEventListener("click", function () {
    if (marker) { map.removeLayer(marker); marker = null; }
    field.value = ""; status.textContent = ""; clear.hidden = true;
  });
  document.getElementById("feedback-locate").addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = gettextOr("This browser cannot tell its location."); return; }
    status.textContent = gettextOr("Asking for your location…");
    navigator.geolocation.getCurrentPosition(function (position) {
      place(position.coords.latitude, position.coords.longitude, gettextOr("Your location:"));
      map.setView([position.coords.latitude, position.coords.longitude], 16);
    }, function () { status.textContent = gettextOr("Location not available."); }, { enableHighAccuracy: true, timeout: 15000 });
  });
  if (photos) {
    photos.addEventListener("change", function () {
      var most = Number(photos.dataset.maxFiles || 3);
      photos.setCustomValidity(photos.files.length > most ? gettextOr("Too many photos.") : "");
    });
  }

  function gettextOr(text) { return (picker.words && picker.words[text]) || text; }
}());
