"""Build Leaflet maps with Folium, with every asset served by geotrack itself.

Folium objects in, HTML pieces out: views never assemble maps. Folium's own
asset lists point at CDNs; `LocalMap` replaces them per instance with files from
the npm registry (geotrack/assets.py), so maps work on offline networks.
"""
from __future__ import annotations

from dataclasses import dataclass

import folium
from branca.element import MacroElement
from django.conf import settings
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from folium.template import Template

KAZAKHSTAN_BOUNDS = [[40.5, 46.4], [55.5, 87.4]]

# Mean physical progress, 0-100, in five steps from red to green.
PROGRESS_STEPS = [(0, "#d73027"), (20, "#fc8d59"), (40, "#fee08b"), (60, "#91cf60"), (80, "#1a9850")]
NO_DATA_COLOUR = "#bdbdbd"

_MAP_JS = [("leaflet", "vendor/leaflet/leaflet.js")]
_MAP_CSS = [("leaflet_css", "vendor/leaflet/leaflet.css"), ("geotrack_map_css", "geotrack/map.css")]


def progress_colour(progress: float | None) -> str:
    if progress is None:
        return NO_DATA_COLOUR
    colour = PROGRESS_STEPS[0][1]
    for threshold, step_colour in PROGRESS_STEPS:
        if progress >= threshold:
            colour = step_colour
    return colour


class LocalMap(folium.Map):
    """A folium Map whose Leaflet comes from /static/, never from a CDN."""

    def __init__(self, **kwargs):
        kwargs.setdefault("tiles", None)
        kwargs.setdefault("prefer_canvas", False)
        kwargs.setdefault("control_scale", True)
        super().__init__(**kwargs)
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
                    row.appendChild(document.createTextNode(entry[1]));
                });
                return box;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, title: str, entries: list[tuple[str, str]], position: str = "bottomright"):
        super().__init__()
        self._name = "Legend"
        self.title = str(title)
        self.entries = [[colour, str(label)] for colour, label in entries]
        self.position = position


def progress_legend() -> Legend:
    entries = [(colour, f"{low}–{PROGRESS_STEPS[i + 1][0] if i + 1 < len(PROGRESS_STEPS) else 100}%")
               for i, (low, colour) in enumerate(PROGRESS_STEPS)]
    entries.append((NO_DATA_COLOUR, _("no projects")))
    return Legend(_("Mean physical progress"), entries)


def add_regions_layer(fmap: folium.Map, regions: dict, *, name: str, focus_iso: str | None = None) -> folium.GeoJson:
    """Draw regions coloured by mean progress; outline the region in focus."""

    def style(feature: dict) -> dict:
        focused = feature["properties"]["iso_code"] == focus_iso
        return {
            "fillColor": progress_colour(feature["properties"]["mean_progress"]),
            "color": "#08306b" if focused else "#4d4d4d",
            "weight": 3 if focused else 1,
            "fillOpacity": 0.55,
        }

    layer = folium.GeoJson(
        regions, name=name, style_function=style,
        highlight_function=lambda feature: {"weight": 3, "color": "#08306b"},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "project_count", "mean_progress"],
            aliases=[_("Region"), _("Projects"), _("Mean physical progress, %")],
            localize=True,
        ),
    )
    layer.add_to(fmap)
    return layer


@dataclass(frozen=True)
class RenderedMap:
    """The three pieces a page template places: assets in <head>, the map div, its script."""

    header: SafeString
    html: SafeString
    script: SafeString
    name: str


def render_map(fmap: folium.Map) -> RenderedMap:
    root = fmap.get_root()
    root.render()
    return RenderedMap(
        header=mark_safe(root.header.render()),
        html=mark_safe(root.html.render()),
        script=mark_safe(root.script.render()),
        name=fmap.get_name(),
    )


def national_map(*, regions: dict) -> RenderedMap:
    """Return the map of Kazakhstan's regions coloured by mean project progress."""
    fmap = LocalMap(location=[48.0, 67.0], zoom_start=5, min_zoom=3, height="100%", width="100%")
    add_regions_layer(fmap, regions, name=_("Regions by progress"))
    progress_legend().add_to(fmap)
    fmap.fit_bounds(KAZAKHSTAN_BOUNDS)
    return render_map(fmap)
