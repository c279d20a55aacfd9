"""GeoJSON's media type in DRF's content negotiation.

GDAL, QGIS and OGC clients ask for `Accept: application/geo+json` (RFC 7946). DRF's default renderers know
only `application/json` and the browsable API, so such a request was answered 406 although the body is
GeoJSON. Views that answer GeoJSON list `GEOJSON_RENDERERS`; their errors stay `application/json`
(geotrack.core.errors).
"""
from __future__ import annotations

from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings

GEOJSON = "application/geo+json"


class GeoJSONRenderer(JSONRenderer):
    media_type = GEOJSON
    format = "geojson"


# JSON first: `*/*` and no Accept header keep the API's JSON renderer.
GEOJSON_RENDERERS = [*api_settings.DEFAULT_RENDERER_CLASSES, GeoJSONRenderer]
