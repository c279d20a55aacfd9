"""Imagery on folium maps: one tile layer per image, and a before/after swipe.

The swipe is leaflet-compare (npm, MIT, Leaflet as its only peer dependency),
served from /static/vendor/leaflet-compare/ like every other asset; see
geotrack/assets.py. leaflet-side-by-side does not npm-install (STACK_NOTES).
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable

import folium
from branca.element import MacroElement
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.translation import gettext as _
from folium.elements import JSCSSMixin
from folium.template import Template

from geotrack.core.links import url_template
from layers.mapkit import LocalMap, RenderedMap, render_map
from layers.models import Imagery
from projects.models import Project

WEB_MERCATOR_EQUATOR_M = 156_543.034  # metres per pixel at zoom 0 on the equator, 256 px tiles


def tile_url(imagery: Imagery) -> str:
    return url_template("imagery-tile", pk=str(imagery.pk), z="{z}", x="{x}", y="{y}")


def layer_name(imagery: Imagery) -> str:
    """Name a layer by its acquisition date, and say when the image is synthetic."""
    name = f"{imagery.acquired_on:%Y-%m-%d} · {imagery.source}"
    return f"{name} ({_('synthetic')})" if imagery.synthetic else name


def footprint_bounds(imagery: Imagery) -> list[list[float]]:
    west, south, east, north = imagery.footprint.extent
    return [[south, west], [north, east]]


def native_zoom(imagery: Imagery) -> int:
    """Return the zoom whose pixels are at least as fine as the image's (as rio-cogeo's 'upper')."""
    latitude = imagery.footprint.centroid.y if imagery.footprint else 0.0
    resolution = imagery.resolution_m or 30.0
    return max(0, min(22, math.ceil(math.log2(WEB_MERCATOR_EQUATOR_M * math.cos(math.radians(latitude))
                                              / resolution))))


def _tile_layer(imagery: Imagery, *, show: bool) -> folium.TileLayer:
    # bounds: Leaflet never asks for tiles outside the footprint, which would be 404s.
    # Leaflet writes a layer's name (layer control) and attribution with innerHTML: both are escaped.
    return folium.TileLayer(
        tiles=tile_url(imagery), attr=escape(imagery.source), name=escape(layer_name(imagery)), overlay=True,
        show=show,
        max_native_zoom=native_zoom(imagery), max_zoom=22, bounds=footprint_bounds(imagery),
    )


def add_imagery_layers(fmap: folium.Map, imagery: Iterable[Imagery]) -> None:
    """Add one hidden overlay per ready image with a footprint, for the layer control."""
    for image in imagery:
        if image.status == Imagery.Status.READY and image.footprint is not None:
            _tile_layer(image, show=False).add_to(fmap)


class Comparison(JSCSSMixin, MacroElement):
    """leaflet-compare's swipe between two tile layers: before on the left, after on the right."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control.compare(
            {{ this.before.get_name() }}, {{ this.after.get_name() }}
        ).addTo({{ this._parent.get_name() }});
        {{ this.get_name() }}._range.setAttribute("aria-label", {{ this.label|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, before: folium.TileLayer, after: folium.TileLayer):
        super().__init__()
        self._name = "Comparison"
        self.before, self.after = before, after
        self.label = _("Position of the handle between the image before and the image after")
        # Per instance, never on the class (STACK_NOTES, "Folium without CDNs").
        self.default_js = [("leaflet_compare", static("vendor/leaflet-compare/leaflet-compare.js"))]
        self.default_css = [("leaflet_compare_css", static("vendor/leaflet-compare/leaflet-compare.css"))]


def add_comparison(fmap: folium.Map, before: Imagery, after: Imagery) -> None:
    """Show two images with a swipe control between them, framed on the newer one."""
    before_layer = _tile_layer(before, show=True).add_to(fmap)
    after_layer = _tile_layer(after, show=True).add_to(fmap)
    Comparison(before_layer, after_layer).add_to(fmap)


def comparison_map(*, project: Project, before: Imagery, after: Imagery) -> RenderedMap:
    """Return the before/after map of a project: both images, the swipe, the project outline."""
    fmap = LocalMap(height="100%", width="100%", max_zoom=22)
    add_comparison(fmap, before, after)
    folium.GeoJson(json.loads(project.geom.geojson), name=_("Project"),
                   style_function=lambda feature: {"color": "#ffcc00", "weight": 2, "fillOpacity": 0}).add_to(fmap)
    west, south, east, north = project.geom.extent
    fmap.fit_bounds([[south, west], [north, east]], padding=(40, 40), max_zoom=native_zoom(after))
    return render_map(fmap)
