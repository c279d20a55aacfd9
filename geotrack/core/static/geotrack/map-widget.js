/* GeoDjango's admin map widget, started from data instead of an inline script (CSP script-src 'self').
 * Without a basemap the region outlines are drawn, so the widget works offline. */
(function () {
  "use strict";

  function baseLayer(options) {
    if (options.basemap_url) {
      return new ol.layer.Tile({source: new ol.source.XYZ({url: options.basemap_url})});
    }
    return new ol.layer.Vector({
      source: new ol.source.Vector({url: options.regions_url, format: new ol.format.GeoJSON()}),
      style: new ol.style.Style({stroke: new ol.style.Stroke({color: "#4d4d4d", width: 1})})
    });
  }

  function start() {
    document.querySelectorAll("[data-geotrack-map-widget]").forEach(function (wrapper) {
      if (wrapper.geotrackWidget) return;
      var options = JSON.parse(document.getElementById(wrapper.dataset.geotrackMapWidget).textContent);
      options.base_layer = baseLayer(options);
      wrapper.geotrackWidget = new MapWidget(options);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
