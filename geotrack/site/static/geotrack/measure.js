/* A measure tool for the maps: distances along clicked points, and the area they enclose.
 *
 * Ours rather than leaflet-measure, which compiles its templates with Function() at run time and so
 * needs 'unsafe-eval' in the Content-Security-Policy. Distances are great-circle (Leaflet's
 * map.distance); areas use the spherical-excess formula on WGS84's semi-major axis, as Leaflet.draw's
 * geodesicArea does. Buttons are real <button>s: the tool works from the keyboard. Every word comes
 * from the page (labels), set as text, never as HTML.
 */
(function () {
  "use strict";
  var RADIUS = 6378137;

  function geodesicArea(latlngs) {
    if (latlngs.length < 3) return 0;
    var area = 0, d2r = Math.PI / 180;
    for (var i = 0; i < latlngs.length; i++) {
      var p1 = latlngs[i], p2 = latlngs[(i + 1) % latlngs.length];
      area += (p2.lng - p1.lng) * d2r * (2 + Math.sin(p1.lat * d2r) + Math.sin(p2.lat * d2r));
    }
    return Math.abs(area * RADIUS * RADIUS / 2);
  }

  function length(map, latlngs) {
    var total = 0;
    for (var i = 1; i < latlngs.length; i++) total += map.distance(latlngs[i - 1], latlngs[i]);
    return total;
  }

  function formatLength(metres, t) {
    return metres >= 1000 ? (metres / 1000).toFixed(2) + " " + t.km : Math.round(metres) + " " + t.m;
  }

  function formatArea(squareMetres, t) {
    return squareMetres >= 10000 ? (squareMetres / 10000).toFixed(2) + " " + t.ha : Math.round(squareMetres) + " " + t.sqm;
  }

  function button(parent, className, text) {
    var node = L.DomUtil.create("button", className, parent);
    node.type = "button";
    node.textContent = text;
    L.DomEvent.disableClickPropagation(node);
    return node;
  }

  var Measure = L.Control.extend({
    options: {position: "topleft"},

    onAdd: function (map) {
      var t = this.options.labels, self = this;
      this.points = [];
      this.layer = L.layerGroup().addTo(map);
      var box = this.box = L.DomUtil.create("div", "leaflet-control-measure leaflet-bar");
      var toggle = button(box, "leaflet-control-measure-toggle", "📏");
      toggle.title = t.measure;
      toggle.setAttribute("aria-label", t.measure);
      toggle.setAttribute("aria-expanded", "false");
      var panel = this.panel = L.DomUtil.create("div", "leaflet-control-measure-panel", box);
      panel.hidden = true;
      this.result = L.DomUtil.create("div", "leaflet-control-measure-result", panel);
      this.result.setAttribute("aria-live", "polite");
      this.result.textContent = t.hint;
      var start = button(panel, "js-start", t.start);
      var centre = button(panel, "js-centre", t.addCentre || "+");
      var finish = button(panel, "js-finish", t.finish);
      var cancel = button(panel, "js-cancel", t.cancel);
      L.DomEvent.on(toggle, "click", function () {
        panel.hidden = !panel.hidden;
        toggle.setAttribute("aria-expanded", String(!panel.hidden));
      });
      L.DomEvent.on(toggle, "mouseenter", function () { panel.hidden = false; toggle.setAttribute("aria-expanded", "true"); });
      L.DomEvent.on(start, "click", function () { self.start(); });
      // From the keyboard: pan with the arrow keys, then add the map's centre as a point.
      L.DomEvent.on(centre, "click", function () {
        if (!self.measuring) self.start();
        self.addPoint({latlng: map.getCenter()});
      });
      L.DomEvent.on(finish, "click", function () { self.finish(); });
      L.DomEvent.on(cancel, "click", function () { self.reset(); self.result.textContent = t.hint; });
      L.DomEvent.disableClickPropagation(box);
      return box;
    },

    start: function () {
      this.reset();
      this.measuring = true;
      this._map.getContainer().classList.add("gt-measuring");
      this._map.on("click", this.addPoint, this);
      this.result.textContent = this.options.labels.clickPoints +
        (this.options.labels.keyboardHint ? " " + this.options.labels.keyboardHint : "");
    },

    addPoint: function (event) {
      this.points.push(event.latlng);
      L.circleMarker(event.latlng, {radius: 4, color: "#0b5cab"}).addTo(this.layer);
      this.draw();
      this.result.textContent = this.summary();
    },

    draw: function () {
      if (this.line) this.layer.removeLayer(this.line);
      this.line = this.points.length >= 3 ? L.polygon(this.points, {color: "#0b5cab", weight: 2, fillOpacity: 0.1})
                                          : L.polyline(this.points, {color: "#0b5cab", weight: 2});
      this.line.addTo(this.layer);
    },

    summary: function () {
      var t = this.options.labels, map = this._map;
      var text = t.distance + ": " + formatLength(length(map, this.points), t);
      if (this.points.length >= 3) text += " · " + t.area + ": " + formatArea(geodesicArea(this.points), t);
      return text;
    },

    finish: function () {
      var map = this._map;
      map.off("click", this.addPoint, this);
      map.getContainer().classList.remove("gt-measuring");
      this.measuring = false;
      if (!this.points.length) return;
      var content = L.DomUtil.create("div", "gt-measure-popup");
      content.textContent = this.summary();
      L.popup().setLatLng(this.points[this.points.length - 1]).setContent(content).openOn(map);
    },

    reset: function () {
      if (this._map) this._map.off("click", this.addPoint, this);
      this.points = [];
      this.line = null;
      this.layer.clearLayers();
    }
  });

  window.geotrack = window.geotrack || {};
  window.geotrack.measure = function (map, labels) {
    return new Measure({labels: labels}).addTo(map);
  };
})();
