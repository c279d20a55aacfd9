"""Folium's building blocks with every asset served by geotrack itself.

Folium's own asset lists point at CDNs; `LocalMap` and `localise` replace them per
instance with files from the npm registry (geotrack/core/assets.py), so maps work on
offline networks. Map pages are assembled in layers/maps.py and layers/imagery_maps.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import folium
from branca.element import MacroElement
from django.conf import settings
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from folium.template import Template

from geotrack.core.csp import NONCE_PLACEHOLDER

_INLINE_SCRIPT = re.compile(r"<script>")  # folium's own inline blocks: exactly "<script>", no attributes
# Folium writes its own viewport tag, which forbids zooming; our pages carry one that allows it.
_VIEWPORT_META = re.compile(r'<meta\s+name="viewport"[^>]*>\s*', re.IGNORECASE)
_MAP_JS = [("leaflet", "vendor/leaflet/leaflet.js")]
_MAP_CSS = [("leaflet_css", "vendor/leaflet/leaflet.css"), ("geotrack_map_css", "geotrack/map.css")]

# Folium plugins point at CDNs; each gets these local files instead (per instance).
PLUGIN_ASSETS = {
    "VectorGridProtobuf": ([("vectorgrid", "vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js")], []),
    "MarkerCluster": (
        [("markerclusterjs", "vendor/markercluster/leaflet.markercluster.js")],
        [("markerclustercss", "vendor/markercluster/MarkerCluster.css"),
         ("markerclusterdefaultcss", "vendor/markercluster/MarkerCluster.Default.css")],
    ),
    "Fullscreen": ([("fullscreen_js", "vendor/leaflet-fullscreen/Control.FullScreen.js")],
                   [("fullscreen_css", "vendor/leaflet-fullscreen/Control.FullScreen.css")]),
    "Draw": ([("leaflet_draw_js", "vendor/leaflet-draw/leaflet.draw.js")],
             [("leaflet_draw_css", "vendor/leaflet-draw/leaflet.draw.css")]),
}


def localise(element, kind: str | None = None):
    """Point a folium plugin's assets at our own static files."""
    js, css = PLUGIN_ASSETS[kind or type(element).__name__]
    element.default_js = [(name, static(path)) for name, path in js]
    element.default_css = [(name, static(path)) for name, path in css]
    return element


class LocalMap(folium.Map):
    """A folium Map whose Leaflet comes from /static/, never from a CDN."""

    def __init__(self, **kwargs):
        kwargs.setdefault("tiles", None)
        kwargs.setdefault("prefer_canvas", False)
        kwargs.setdefault("control_scale", True)
        super().__init__(**kwargs)
        self.options["maxZoom"] = 18  # marker clusters need the map's maximum zoom
        self.default_js = [(name, static(path)) for name, path in _MAP_JS]
        self.default_css = [(name, static(path)) for name, path in _MAP_CSS]
        if settings.BASEMAP_URL:
            folium.TileLayer(
                tiles=settings.BASEMAP_URL, attr=settings.BASEMAP_ATTRIBUTION, name=_("Basemap"),
                max_zoom=19, control=True,
            ).add_to(self)


class Legend(MacroElement):
    """A legend control. Labels are passed as JSON and set as text, never as HTML."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var box = L.DomUtil.create("div", "geotrack-legend");
                var title = L.DomUtil.create("strong", "", box);
                title.textContent = {{ this.title|tojson }};
                {{ this.entries|tojson }}.forEach(function (entry) {
                    var row = L.DomUtil.create("div", "geotrack-legend-row", box);
                    var swatch = L.DomUtil.create("i", "geotrack-legend-swatch", row);
                    swatch.style.background = entry[0];
                    if (entry[2]) {
                        var mark = L.DomUtil.create("span", "geotrack-legend-mark", row);
                        mark.setAttribute("aria-hidden", "true");
                        mark.textContent = entry[2];
                    }
                    row.appendChild(document.createTextNode(entry[1]));
                });
                return box;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, title: str, entries: list[tuple[str, ...]], position: str = "bottomright"):
        """Entries are (colour, label) or (colour, label, symbol): the symbol is drawn beside the swatch."""
        super().__init__()
        self._name = "Legend"
        self.title = str(title)
        self.entries = [[entry[0], str(entry[1]), *entry[2:]] for entry in entries]
        self.position = position


@dataclass(frozen=True)
class RenderedMap:
    """The three pieces a page template places: assets in <head>, the map div, its script."""

    header: SafeString
    html: SafeString
    script: SafeString
    name: str


def render_map(fmap: folium.Map) -> RenderedMap:
    """Render a map into its pieces; folium's inline scripts carry the CSP nonce placeholder.

    Pages fill the placeholder per response (`{{ map.header|nonced:request }}`), and put
    `map.script` inside `<script nonce="{% csp_nonce %}">` (geotrack/core/csp.py).
    """
    root = fmap.get_root()
    root.render()
    return RenderedMap(
        header=mark_safe(_VIEWPORT_META.sub("", _INLINE_SCRIPT.sub(f'<script nonce="{NONCE_PLACEHOLDER}">',
                                                                  root.header.render()))),
        html=mark_safe(root.html.render()),
        script=mark_safe(root.script.render()),
        name=fmap.get_name(),
    )
