"""Vector tile endpoint: /tiles/<layer>/<z>/<x>/<y>.mvt.

A plain Django view, not a DRF one: at high zoom the SQL takes well under a
millisecond, so per-request framework work would dominate. Browsers use their
session; API clients may send `Authorization: Token <key>` as everywhere else.
"""
from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET

from geotrack.core.cache import cached_aggregate
from geotrack.core.errors import json_error
from geotrack.core.http import authenticate_api_token, cache_headers
from layers.tiles import LAYERS, clustered, tile_bytes
from projects.access import audience_of, is_public_scope

MVT = "application/vnd.mapbox-vector-tile"


@require_GET
def vector_tile(request: HttpRequest, layer: str, z: int, x: int, y: int) -> HttpResponse:
    """A Mapbox Vector Tile of projects, cameras or regions, as the caller's audience may read them."""
    if layer not in LAYERS or not 0 <= z <= 22 or not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        return json_error("No such tile.", 404)
    if failure := authenticate_api_token(request):
        return failure
    audience = audience_of(request)
    build = lambda: tile_bytes(layer=layer, z=z, x=x, y=y, audience=audience)  # noqa: E731
    if clustered(layer, z):  # many projects per tile: kept until a project changes, whatever cameras do
        body = cached_aggregate("clusters", (z, x, y), audience_key=audience.key, topics=["projects"], compute=build)
    else:
        body = build()
    etag = '"%s"' % hashlib.blake2b(body, digest_size=12).hexdigest()
    # META, not request.headers, which would parse every header of the request for this one
    response = HttpResponseNotModified() if request.META.get("HTTP_IF_NONE_MATCH") == etag else HttpResponse(
        body, content_type=MVT)
    response["ETag"] = etag
    cache_headers(response, shared=is_public_scope(request))
    return response
