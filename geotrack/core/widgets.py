"""GeoDjango's admin map widget with OpenLayers served locally, not from a CDN."""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.forms.widgets import OpenLayersWidget
from django.urls import reverse


class LocalMapWidget(OpenLayersWidget):
    """Draw on region outlines (or BASEMAP_URL when set), centred on Kazakhstan."""

    template_name = "gis/geotrack-openlayers.html"
    default_lon = 67.0
    default_lat = 48.0
    default_zoom = 4

    class Media:
        extend = False  # drop the parent's CDN links, do not add to them
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/ol.js", "gis/js/OLMapWidget.js", "geotrack/map-widget.js")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_id = context["id"]
        context["options_id"] = f"{widget_id}_options"
        context["widget_options"] = {
            "geom_name": context["geom_type"], "id": widget_id, "map_id": f"{widget_id}_map",
            "map_srid": context["map_srid"], "name": context["name"], "basemap_url": settings.BASEMAP_URL,
            "regions_url": reverse("region-list"), "default_lat": self.default_lat, "default_lon": self.default_lon,
            "default_zoom": self.default_zoom,
        }
        return context
