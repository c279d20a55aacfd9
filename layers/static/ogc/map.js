// A small Leaflet map of the features on an OGC API HTML page (no basemap: works offline).
(function () {
  "use strict";
  var source = document.getElementById("ogc-features");
  var element = document.getElementById("ogc-map");
  if (!source || !element || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(element, {preferCanvas: false});
  var layer = L.geoJSON(data, {
    pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, {radius: 6, weight: 2}); },
    onEachFeature: function (feature, shape) {
      var props = feature.properties || {};
      var label = document.createElement("span");
      label.textContent = props.title || props.label || props.name_en || String(feature.id);
      shape.bindTooltip(label);
    }
  }).addTo(map);
  var bounds = layer.getBounds();
  if (bounds.isValid()) { map.fitBounds(bounds, {maxZoom: 12, padding: [20, 20]}); }
  else { map.fitBounds([[40.5, 46.4], [55.5, 87.4]]); }
  element.dataset.ready = "true";
})();
