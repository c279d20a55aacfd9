"""GeoDjango's admin map widget with OpenLayers served locally, not from a CDN."""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.forms.widgets import OpenLayersWidget


class LocalMapWidget(OpenLayersWidget):
    """Draw on region outlines (or BASEMAP_URL when set), centred on Kazakhstan."""

    template_name = "gis/geotrack-openlayers.html"
    default_lon = 67.0
    default_lat = 48.0
    default_zoom = 4

    class Media:
        extend = False  # drop the parent's CDN links, do not add to them
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/ol.js", "gis/js/OLMapWidget.js")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context.update(
            basemap_url=settings.BASEMAP_URL,
            default_lon=self.default_lon, default_lat=self.default_lat, default_zoom=self.default_zoom,
        )
        return context
