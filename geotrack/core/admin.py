"""The admin base for models with geometry: map widgets served by geotrack itself."""
from __future__ import annotations

from django.contrib.gis.admin import GISModelAdmin

from geotrack.core.widgets import LocalMapWidget


class LocalMapAdmin(GISModelAdmin):
    gis_widget = LocalMapWidget
