/* geotrack map wiring: loads regions, cameras and project tiles into the layers that
 * folium created, keeps them current, and builds popups. Every user-supplied text is
 * set with textContent, never as HTML. No framework, no CDN. */
(function () {
  "use strict";

  var HEALTH_COLOURS = {on_track: "#1a9850", at_risk: "#fdae61", overdue: "#d73027", done: "#2c7bb6"};
  /* Never colour alone: a shape per health (as in the legend, layers/palette.py) and outline dashes on tiles. */
  var HEALTH_SYMBOLS = {on_track: "\u2713", at_risk: "!", overdue: "\u2716", done: "\u2605"};
  var HEALTH_DASHES = {on_track: null, at_risk: "4 3", overdue: "2 2", done: null};
  var PROGRESS_STEPS = [[0, "#d73027"], [20, "#fc8d59"], [40, "#fee08b"], [60, "#91cf60"], [80, "#1a9850"]];
  var NO_DATA = "#bdbdbd";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function withScope(url, scope) {
    if (!scope) return url;
    return url + (url.indexOf("?") === -1 ? "?" : "&") + "scope=" + encodeURIComponent(scope);
  }

  function progressColour(progress) {
    if (progress === null || progress === undefined) return NO_DATA;
    var colour = PROGRESS_STEPS[0][1];
    PROGRESS_STEPS.forEach(function (step) { if (progress >= step[0]) colour = step[1]; });
    return colour;
  }

  /* Our own paths come from the server's URL configuration (config.urls), never written here. */
  var URLS = {};

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) { return encodeURIComponent(values[key]); });
  }

  function safeHref(url) {
    try {
      var parsed = new URL(url, window.location.href);
      return ["http:", "https:", "rtsp:"].indexOf(parsed.protocol) !== -1 ? parsed.href : null;
    } catch (e) { return null; }
  }

  function progressBar(value, label) {
    var box = el("div", "gt-progress");
    box.setAttribute("role", "progressbar");
    box.setAttribute("aria-valuenow", value);
    box.setAttribute("aria-label", label);
    var fill = el("div", "gt-progress-fill");
    fill.style.width = Math.max(0, Math.min(100, Number(value) || 0)) + "%";
    box.appendChild(fill);
    box.appendChild(el("span", "gt-progress-text", (Number(value) || 0).toFixed(0) + "%"));
    return box;
  }

  function row(dl, term, value) {
    dl.appendChild(el("dt", null, term));
    var dd = el("dd");
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = value === null || value === undefined ? "–" : String(value);
    dl.appendChild(dd);
  }

  function projectPopup(feature, t) {
    var p = feature.properties;
    var box = el("div", "gt-popup gt-project-popup");
    box.appendChild(el("strong", "gt-popup-title", p.title));
    var dl = el("dl");
    row(dl, t.agency, p.agency ? p.agency.name : null);
    row(dl, t.status, t.statuses[p.status] || p.status);
    row(dl, t.health, t.healths[p.health] || p.health);
    row(dl, t.progress, progressBar(p.physical_progress, t.progress));
    row(dl, t.deadline, p.planned_end);
    box.appendChild(dl);
    if (p.roadmap_items && p.roadmap_items.length) {
      box.appendChild(el("div", "gt-popup-sub", t.roadmapItems));
      var list = el("ul", "gt-popup-items");
      p.roadmap_items.forEach(function (item) { list.appendChild(el("li", null, item.number + ". " + item.title)); });
      box.appendChild(list);
    }
    var link = el("a", "gt-popup-link", t.openProject);
    link.href = fill(URLS.projectPage, {id: feature.id});
    box.appendChild(link);
    return box;
  }

  function cameraPopup(feature, t) {
    var p = feature.properties;
    var box = el("div", "gt-popup gt-camera-popup");
    box.appendChild(el("strong", "gt-popup-title", p.label));
    var badge = el("span", "gt-badge gt-badge-" + p.status, p.status === "online" ? t.online : t.offline);
    box.appendChild(badge);
    if (p.latest_snapshot) {
      var img = el("img", "gt-snapshot");
      img.alt = t.snapshot;
      img.src = p.latest_snapshot.thumbnail_url || p.latest_snapshot.url;
      img.loading = "eager";
      box.appendChild(img);
      box.appendChild(el("div", "gt-muted", t.captured + ": " + new Date(p.latest_snapshot.captured_at).toLocaleString()));
    } else {
      box.appendChild(el("div", "gt-muted", t.noSnapshot));
    }
    box.appendChild(el("div", "gt-muted", t.lastSeen + ": " + (p.last_seen_at ? new Date(p.last_seen_at).toLocaleString() : "–")));
    var href = p.stream_url ? safeHref(p.stream_url) : null;
    if (href) {
      var live = el("a", "gt-popup-link", t.liveStream);
      live.href = href; live.rel = "noopener"; live.target = "_blank";
      box.appendChild(live);
    }
    var page = el("a", "gt-popup-link", t.openCamera);
    page.href = fill(URLS.cameraPage, {id: feature.id});
    box.appendChild(page);
    if (p.projects && p.projects.length) {
      box.appendChild(el("div", "gt-popup-sub", t.watches));
      var list = el("ul", "gt-popup-items");
      p.projects.forEach(function (id) {
        var li = el("li"); var a = el("a", null, t.project + " #" + id);
        a.href = fill(URLS.projectPage, {id: id}); li.appendChild(a); list.appendChild(li);
      });
      box.appendChild(list);
    }
    return box;
  }

  function fetchJson(url, etag) {
    var headers = {"Accept": "application/json"};
    if (etag) headers["If-None-Match"] = etag;
    return fetch(url, {credentials: "same-origin", headers: headers}).then(function (response) {
      if (response.status === 304) return {notModified: true};
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response.json().then(function (body) { return {body: body, etag: response.headers.get("ETag")}; });
    });
  }

  /* Options for the projects VectorGrid layer (passed to folium's VectorGridProtobuf). */
  function projectTileOptions() {
    return {
      pane: "gtProjects",
      interactive: false,
      maxNativeZoom: 18,
      vectorTileLayerStyles: {
        projects: function (props, zoom, dimension) {
          var colour = HEALTH_COLOURS[props.health] || "#777";
          var dashes = HEALTH_DASHES[props.health] || null;
          if (dimension === 1) return {radius: 6, fill: true, fillColor: colour, fillOpacity: 0.9, color: "#222",
                                       weight: dashes ? 2 : 1, dashArray: dashes};
          if (dimension === 2) return {color: colour, weight: 4, opacity: 0.9, dashArray: dashes};
          return {fill: true, fillColor: colour, fillOpacity: 0.45, color: colour, weight: 2};
        },
        project_clusters: function (props) {
          var radius = Math.min(22, 5 + Math.sqrt(props.count) * 2);
          return {radius: radius, fill: true, fillColor: props.lagging > props.count / 3 ? "#d73027" : "#2c7bb6",
                  fillOpacity: 0.6, color: "#fff", weight: 1};
        }
      }
    };
  }

  function Overview(map, layers, config) {
    this.map = map; this.layers = layers; this.config = config; this.t = config.labels;
    this.version = null; this.versionEtag = null;
  }

  Overview.prototype.loadRegions = function (fit) {
    var self = this, cfg = this.config;
    return fetchJson(withScope(cfg.regionsUrl, cfg.scope)).then(function (result) {
      var group = self.layers.regions;
      group.clearLayers();
      var layer = L.geoJSON(result.body, {
        style: function (feature) {
          var focused = feature.properties.iso_code === cfg.focusIso;
          return {fillColor: progressColour(feature.properties.mean_progress), fillOpacity: focused ? 0.25 : 0.5,
                  color: focused ? "#08306b" : "#4d4d4d", weight: focused ? 4 : 1};
        },
        onEachFeature: function (feature, region) {
          var p = feature.properties;
          var tip = el("div", "gt-tooltip");
          tip.appendChild(el("strong", null, p.name));
          tip.appendChild(el("div", null, self.t.projects + ": " + p.project_count));
          tip.appendChild(el("div", null, self.t.meanProgress + ": " + (p.mean_progress === null ? "–" : p.mean_progress + "%")));
          region.bindTooltip(tip, {sticky: true});
          if (cfg.regionLinkBase && !cfg.focusIso) {
            region.on("click", function (event) {
              L.DomEvent.stopPropagation(event);
              window.location.href = fill(cfg.regionLinkBase, {iso: p.iso_code});
            });
          }
          if (fit && p.iso_code === cfg.focusIso) self.map.fitBounds(region.getBounds());
        }
      });
      layer.addTo(group);
      if (layer.bringToBack) group.bringToBack && group.bringToBack();
      document.dispatchEvent(new CustomEvent("geotrack:regions", {detail: result.body}));
    });
  };

  Overview.prototype.loadCameras = function () {
    var self = this, cfg = this.config;
    if (!this.layers.cameras) return Promise.resolve();
    return fetchJson(withScope(cfg.camerasUrl, cfg.scope)).then(function (result) {
      self.layers.cameras.clearLayers();
      if (self.layers.cones) self.layers.cones.clearLayers();
      result.body.features.forEach(function (feature) {
        var p = feature.properties;
        var icon = L.divIcon({className: "gt-camera-icon gt-camera-" + p.status, iconSize: [16, 16]});
        var marker = L.marker([feature.geometry.coordinates[1], feature.geometry.coordinates[0]], {icon: icon, title: p.label});
        marker.feature = feature;
        marker.bindPopup(function () { return cameraPopup(feature, self.t); }, {maxWidth: 340, minWidth: 240});
        self.layers.cameras.addLayer(marker);
        if (self.layers.cones && p.fov) {
          L.geoJSON(p.fov, {style: {color: p.status === "online" ? "#6a3d9a" : "#999", weight: 1, fillOpacity: 0.15}, interactive: false})
            .addTo(self.layers.cones);
        }
      });
      document.dispatchEvent(new CustomEvent("geotrack:cameras", {detail: result.body}));
    });
  };

  /* A click asks the API what lies under the pointer (tiles stay non-interactive, which
   * keeps them cheap and avoids VectorGrid's event quirks); the popup shows the details. */
  /* A handful of projects (one roadmap item's) as GeoJSON, styled by health. */
  Overview.prototype.loadProjectList = function () {
    var self = this, cfg = this.config, group = this.layers.projects;
    return fetchJson(withScope(URLS.projects + "?page_size=1000&" + cfg.projectsQuery, cfg.scope)).then(function (result) {
      group.clearLayers();
      var layer = L.geoJSON(result.body, {
        pointToLayer: function (feature, latlng) {
          var health = feature.properties.health;
          var mark = el("span", "gt-health-marker health-" + health, HEALTH_SYMBOLS[health] || "?");
          mark.style.background = HEALTH_COLOURS[health] || "#777";
          mark.setAttribute("aria-label", (self.t.healths && self.t.healths[health]) || health || "");
          return L.marker(latlng, {icon: L.divIcon({className: "gt-health-icon", html: mark, iconSize: [22, 22]}),
                                   title: feature.properties.title || "", keyboard: true});
        },
        style: function (feature) {
          var colour = HEALTH_COLOURS[feature.properties.health] || "#777";
          return {color: colour, fillColor: colour, fillOpacity: 0.6, weight: 3};
        },
        onEachFeature: function (feature, item) {
          item.on("click", function (event) {
            L.DomEvent.stopPropagation(event);
            fetchJson(withScope(fill(URLS.project, {id: feature.id}), cfg.scope)).then(function (detail) {
              L.popup({maxWidth: 320, minWidth: 240}).setLatLng(event.latlng)
                .setContent(projectPopup(detail.body, self.t)).openOn(self.map);
            });
          });
        }
      }).addTo(group);
      if (layer.getLayers().length) self.map.fitBounds(layer.getBounds(), {maxZoom: 12, padding: [20, 20]});
    });
  };

  Overview.prototype.wireProjects = function () {
    var self = this, map = this.map, layer = this.layers.projects, cfg = this.config;
    if (!layer) return;
    if (cfg.projectsQuery) { this.loadProjectList(); return; }
    map.on("click", function (event) {
      if (!map.hasLayer(layer)) return;
      if (map.getZoom() < cfg.aggregateBelowZoom) { map.setView(event.latlng, Math.min(map.getZoom() + 3, cfg.aggregateBelowZoom)); return; }
      var p = event.containerPoint, tolerance = 7;
      var sw = map.containerPointToLatLng([p.x - tolerance, p.y + tolerance]);
      var ne = map.containerPointToLatLng([p.x + tolerance, p.y - tolerance]);
      var bbox = [sw.lng, sw.lat, ne.lng, ne.lat].map(function (v) { return v.toFixed(6); }).join(",");
      fetchJson(withScope(URLS.projects + "?page_size=1&bbox=" + bbox, cfg.scope)).then(function (result) {
        var hit = result.body.features[0];
        if (!hit) return null;
        return fetchJson(withScope(fill(URLS.project, {id: hit.id}), cfg.scope));
      }).then(function (result) {
        if (!result) return;
        L.popup({maxWidth: 320, minWidth: 240}).setLatLng(event.latlng).setContent(projectPopup(result.body, self.t)).openOn(map);
      }).catch(function () {});
    });
  };

  /* Realtime: poll a cheap change token with ETag/304; reload only when it moved. */
  Overview.prototype.poll = function () {
    var self = this, cfg = this.config;
    fetchJson(withScope(cfg.changesUrl, cfg.scope), this.versionEtag).then(function (result) {
      if (result.notModified) return;
      var first = self.version === null;
      self.version = result.body.version; self.versionEtag = result.etag;
      if (first) return;
      self.loadRegions(false); self.loadCameras();
      if (cfg.projectsQuery) self.loadProjectList();
      if (self.layers.projects && self.layers.projects.setUrl) {
        self.layers.projects.setUrl(withScope(cfg.tileUrl, cfg.scope) + (cfg.scope ? "&" : "?") + "v=" + encodeURIComponent(self.version));
      }
      document.dispatchEvent(new CustomEvent("geotrack:changed", {detail: result.body}));
    }).catch(function () {}).then(function () {
      window.setTimeout(function () { self.poll(); }, cfg.pollMs);
    });
  };

  function mount(map, layers, config) {
    URLS = config.urls;
    var overview = new Overview(map, layers, config);
    overview.loadRegions(true);
    overview.loadCameras();
    overview.wireProjects();
    if (config.pollMs) overview.poll();
    map.geotrack = overview;
    return overview;
  }

  window.geotrack = window.geotrack || {};
  window.geotrack.mount = mount;
  window.geotrack.projectTileOptions = projectTileOptions;
  window.geotrack.el = el;
  window.geotrack.fetchJson = fetchJson;
})();
