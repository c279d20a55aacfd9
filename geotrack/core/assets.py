"""Browser assets installed from the npm registry and served by geotrack itself.

Nothing is ever loaded from a CDN: government networks and the tests are offline.
`VENDOR_DIRS` maps a static prefix to a folder inside node_modules (settings add
them to STATICFILES_DIRS); `VENDOR_FILES` maps single files, for packages whose
folder is mostly sources we do not serve (OpenLayers). collectstatic gathers both
and whitenoise serves them.
"""
from __future__ import annotations

import os
from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

NODE_MODULES = Path(__file__).resolve().parent.parent.parent / "node_modules"

VENDOR_DIRS: dict[str, str] = {
    "vendor/leaflet": "leaflet/dist",
    "vendor/fontawesome/css": "@fortawesome/fontawesome-free/css",
    "vendor/fontawesome/webfonts": "@fortawesome/fontawesome-free/webfonts",
    "vendor/awesome-markers": "drmonty-leaflet-awesome-markers",
    "vendor/leaflet-draw": "leaflet-draw/dist",
    "vendor/leaflet-compare": "leaflet-compare/dist",
    "vendor/markercluster": "leaflet.markercluster/dist",
    "vendor/vectorgrid": "leaflet.vectorgrid/dist",
    "vendor/chartjs": "chart.js/dist",
    "vendor/hls": "hls.js/dist",
    "vendor/swagger-ui": "swagger-ui-dist",
}

VENDOR_FILES: dict[str, str] = {
    "vendor/ol/ol.js": "ol/dist/ol.js",
    "vendor/ol/ol.css": "ol/ol.css",
    "vendor/leaflet-fullscreen/Control.FullScreen.js": "leaflet.fullscreen/Control.FullScreen.js",
    "vendor/leaflet-fullscreen/Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
    "vendor/leaflet-fullscreen/icon-fullscreen.svg": "leaflet.fullscreen/icon-fullscreen.svg",
}


def staticfiles_dirs() -> list[tuple[str, str]]:
    return [(prefix, str(NODE_MODULES / folder)) for prefix, folder in VENDOR_DIRS.items()]


class VendorFileFinder(BaseFinder):
    """Find the single npm files listed in VENDOR_FILES."""

    def find(self, path, find_all=False, **kwargs):
        source = VENDOR_FILES.get(path)
        if source is None or not (NODE_MODULES / source).exists():
            return [] if find_all or kwargs.get("all") else None
        found = str(NODE_MODULES / source)
        return [found] if find_all or kwargs.get("all") else found

    def list(self, ignore_patterns):
        for static_path, source in VENDOR_FILES.items():
            folder, name = os.path.split(str(NODE_MODULES / source))
            storage = FileSystemStorage(location=folder)
            storage.prefix = os.path.dirname(static_path)
            yield name, storage
