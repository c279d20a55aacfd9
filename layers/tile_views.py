"""Vector tile endpoint: /tiles/<layer>/<z>/<x>/<y>.mvt.

A plain Django view, not a DRF one: at high zoom the SQL takes well under a
millisecond, so per-request framework work would dominate. Browsers use their
session; API clients may send `Authorization: Token <key>` as everywhere else.
"""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.views.decorators.http import require_GET

from geotrack.cache import cached_aggregate
from geotrack.errors import json_error
from geotrack.scope import authenticate_api_token, cache_headers, effective_user
from layers.tiles import LAYERS, tile_bytes

MVT = "application/vnd.mapbox-vector-tile"


@require_GET
def vector_tile(request: HttpRequest, layer: str, z: int, x: int, y: int) -> HttpResponse:
    """A Mapbox Vector Tile of projects, cameras or regions, as the caller may see them."""
    if layer not in LAYERS or not 0 <= z <= 22 or not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        return json_error("No such tile.", 404)
    if failure := authenticate_api_token(request):
        return failure
    user = effective_user(request)
    build = lambda: tile_bytes(layer=layer, z=z, x=x, y=y, user=user, now=timezone.now())  # noqa: E731
    if layer == "projects" and z < settings.GEOTRACK["TILE_AGGREGATE_BELOW_ZOOM"]:
        body = cached_aggregate("clusters", (z, x, y), user=user, compute=build)  # many projects per tile
    else:
        body = build()
    etag = '"%s"' % hashlib.blake2b(body, digest_size=12).hexdigest()
    response = HttpResponseNotModified() if request.headers.get("If-None-Match") == etag else HttpResponse(
        body, content_type=MVT)
    response["ETag"] = etag
    cache_headers(request, response)
    return response
