/* geotrack geometry editor for planners: draws with Leaflet.draw (added by folium),
 * saves through the project API with the CSRF token and If-Match, shows the API's
 * message next to the map and keeps the drawing, and explains conflicts. */
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* Join the drawn layers into one GeoJSON geometry (a Multi form for several parts). */
  function drawnGeometry(drawnItems, t) {
    var geometries = drawnItems.toGeoJSON().features.map(function (f) { return f.geometry; });
    if (!geometries.length) throw new Error(t.drawFirst);
    var base = geometries[0].type.replace(/^Multi/, "");
    var parts = [];
    geometries.forEach(function (g) {
      if (g.type.replace(/^Multi/, "") !== base) throw new Error(t.oneKind);
      if (g.type.indexOf("Multi") === 0) parts = parts.concat(g.coordinates); else parts.push(g.coordinates);
    });
    return parts.length === 1 ? {type: base, coordinates: parts[0]} : {type: "Multi" + base, coordinates: parts};
  }

  function addGeometry(drawnItems, geometry) {
    L.geoJSON(geometry).eachLayer(function add(layer) {
      if (layer.getLayers) { layer.eachLayer(add); return; }
      var latlngs = layer.getLatLngs ? layer.getLatLngs() : null;
      var isMultiPolygon = latlngs && Array.isArray(latlngs[0]) && Array.isArray(latlngs[0][0]) && latlngs.length > 1;
      if (isMultiPolygon) { latlngs.forEach(function (rings) { drawnItems.addLayer(L.polygon(rings)); }); return; }
      drawnItems.addLayer(layer);
    });
  }

  function Editor(map, drawnItems, config) {
    this.map = map; this.drawnItems = drawnItems; this.config = config; this.t = config.labels;
    this.etag = config.etag || null;
    this.status = document.getElementById(config.statusId);
  }

  Editor.prototype.say = function (kind, message, action) {
    this.status.replaceChildren();
    this.status.className = "gt-editor-status gt-" + kind;
    this.status.appendChild(el("span", null, message));
    if (action) {
      var button = el("button", "gt-button", action.label);
      button.type = "button";
      button.addEventListener("click", action.run);
      this.status.appendChild(button);
    }
  };

  Editor.prototype.load = function () {
    var self = this;
    return fetch(this.config.apiUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        self.etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (feature) {
        self.drawnItems.clearLayers();
        addGeometry(self.drawnItems, feature.geometry);
        if (self.drawnItems.getLayers().length) self.map.fitBounds(self.drawnItems.getBounds(), {maxZoom: 16});
      });
  };

  Editor.prototype.errorText = function (body) {
    var errors = (body && body.errors) || {};
    var messages = [];
    Object.keys(errors).forEach(function (field) {
      [].concat(errors[field]).forEach(function (m) { messages.push(typeof m === "string" ? m : JSON.stringify(m)); });
    });
    return messages.length ? messages.join(" ") : (body && body.detail) || this.t.failed;
  };

  Editor.prototype.send = function (method, url, body) {
    var headers = {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken()};
    if (this.etag && method !== "POST") headers["If-Match"] = this.etag;
    return fetch(url, {method: method, credentials: "same-origin", headers: headers, body: JSON.stringify(body)});
  };

  Editor.prototype.handle = function (response, onSaved) {
    var self = this;
    if (response.status === 412) {
      self.say("conflict", self.t.conflict, {label: self.t.reload, run: function () { window.location.reload(); }});
      return;
    }
    return response.json().then(function (body) {
      if (!response.ok) { self.say("error", self.errorText(body)); return; }
      self.etag = response.headers.get("ETag") || self.etag;
      onSaved(body);
    });
  };

  Editor.prototype.saveGeometry = function () {
    var self = this, geometry;
    try { geometry = drawnGeometry(this.drawnItems, this.t); } catch (error) { this.say("error", error.message); return; }
    this.say("busy", this.t.saving);
    this.send("PATCH", this.config.apiUrl, {type: "Feature", geometry: geometry, properties: {}})
      .then(function (response) { return self.handle(response, function () { self.say("ok", self.t.saved); }); })
      .catch(function () { self.say("error", self.t.failed); });
  };

  Editor.prototype.create = function (form) {
    var self = this, geometry;
    try { geometry = drawnGeometry(this.drawnItems, this.t); } catch (error) { this.say("error", error.message); return; }
    var properties = {};
    new FormData(form).forEach(function (value, key) {
      if (key === "is_public") properties[key] = true;
      else if (value !== "") properties[key] = value;
    });
    if (!("is_public" in properties)) properties.is_public = false;
    this.say("busy", this.t.saving);
    this.send("POST", this.config.createUrl, {type: "Feature", geometry: geometry, properties: properties})
      .then(function (response) {
        return self.handle(response, function (feature) { window.location.href = self.config.pageUrl.replace("{id}", encodeURIComponent(feature.id)); });
      })
      .catch(function () { self.say("error", self.t.failed); });
  };

  function saveControl(editor) {
    var Control = L.Control.extend({
      options: {position: "topright"},
      onAdd: function () {
        var button = el("button", "gt-button gt-save", editor.t.save);
        button.type = "button";
        L.DomEvent.disableClickPropagation(button);
        button.addEventListener("click", function () { editor.saveGeometry(); });
        return button;
      }
    });
    return new Control();
  }

  function editor(map, drawnItems, config) {
    var instance = new Editor(map, drawnItems, config);
    if (config.apiUrl) {
      instance.load();
      saveControl(instance).addTo(map);
    }
    if (config.formId) {
      document.getElementById(config.formId).addEventListener("submit", function (event) {
        event.preventDefault();
        instance.create(event.target);
      });
    }
    map.geotrackEditor = instance;
    return instance;
  }

  window.geotrack = window.geotrack || {};
  window.geotrack.editor = editor;
})();
