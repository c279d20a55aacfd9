"""Vector tile endpoint: /tiles/<layer>/<z>/<x>/<y>.mvt."""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.views import APIView

from geotrack.cache import cached_aggregate
from geotrack.scope import cache_headers, effective_user
from layers.tiles import LAYERS, tile_bytes

MVT = "application/vnd.mapbox-vector-tile"


class VectorTile(APIView):
    """A Mapbox Vector Tile of projects, cameras or regions, as the caller may see them."""

    def get(self, request: Request, layer: str, z: int, x: int, y: int) -> HttpResponse:
        if layer not in LAYERS or not 0 <= z <= 22 or not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
            raise Http404("No such tile.")
        user = effective_user(request)
        if layer == "projects" and z < settings.GEOTRACK["TILE_AGGREGATE_BELOW_ZOOM"]:
            # Cluster tiles summarise many projects: cache them until the data changes.
            body = cached_aggregate("clusters", (z, x, y), user=user,
                                    compute=lambda: tile_bytes(layer=layer, z=z, x=x, y=y, user=user, now=timezone.now()))
        else:
            body = tile_bytes(layer=layer, z=z, x=x, y=y, user=user, now=timezone.now())
        etag = '"%s"' % hashlib.blake2b(body, digest_size=12).hexdigest()
        if request.headers.get("If-None-Match") == etag:
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(body, content_type=MVT)
        response["ETag"] = etag
        cache_headers(request, response)
        return response
