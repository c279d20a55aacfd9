"""Imagery API, raster tiles and the before/after comparison page."""
from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from geotrack.core.errors import bad_parameter_response, json_error
from geotrack.core.http import authenticate_api_token, require
from geotrack.core.params import BadParameter, choice, object_id
from geotrack.core.renderers import GEOJSON, GEOJSON_RENDERERS
from layers import imagery_services, raster_tiles, rasters
from layers.imagery_selectors import (TileSource, evidence_rows, evidence_visible_to, imagery_feature,
                                      imagery_for_tile, imagery_geojson, imagery_visible_to)
from layers.models import Imagery
from layers.tasks import imagery_ingest_task
from projects.access import audience_of
from projects.models import Region
from projects.permissions import can_create_projects

TILE_MAX_AGE = 86400


class ImageryUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A GeoTIFF (or any raster GDAL reads) with a CRS and a geotransform.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    acquired_on = serializers.DateField(required=False, help_text="Defaults to the file's TIFF date, else today.")
    source = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                   help_text="Sensor, e.g. 'Landsat-7 ETM+' or 'Sentinel-2' (sets band names).")
    is_public = serializers.BooleanField(required=False, default=False)
    project = serializers.IntegerField(required=False)
    region = serializers.SlugRelatedField(slug_field="iso_code", queryset=Region.objects.all(), required=False)


class ImageryList(APIView):
    """Imagery footprints as GeoJSON. POST a raster to ingest it: 202 with a status URL."""

    renderer_classes = GEOJSON_RENDERERS
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(operation_id="imagery_list", parameters=[OpenApiParameter("project", int), OpenApiParameter("status", str,
                                                                                  enum=Imagery.Status.values)],
                   responses={(200, GEOJSON): OpenApiTypes.OBJECT})
    def get(self, request: Request) -> HttpResponse:
        audience = audience_of(request)
        imagery = imagery_visible_to(audience=audience)
        if (project := object_id(request.query_params.get("project"), "project")) is not None:
            # A project the caller may not read has no images here, exactly like an unknown id.
            imagery = imagery.filter(project__in=audience.projects().filter(pk=project))
        if (wanted := choice(request.query_params.get("status"), "status", Imagery.Status.values)) is not None:
            imagery = imagery.filter(status=wanted)
        return HttpResponse(imagery_geojson(audience=audience, queryset=imagery), content_type=GEOJSON)

    @extend_schema(request={"multipart/form-data": ImageryUploadSerializer}, responses={202: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        require(request, can_create_projects(request.user))
        serializer = ImageryUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        upload = fields.pop("file")
        if "project" in fields:
            fields["project"] = audience_of(request).projects().filter(pk=fields["project"]).first()
            if fields["project"] is None:
                raise exceptions.ValidationError({"project": ["No such project."]})
        try:
            staged = imagery_services.imagery_stage(upload=upload)
            imagery = imagery_services.imagery_submit(staged=staged, filename=upload.name,
                                                      fields=imagery_services.ImageryFields(**fields))
        except imagery_services.ImageryRejected as exc:
            return Response({"detail": str(exc), "errors": {"file": [str(exc)]}}, status=exc.status)
        imagery_ingest_task.enqueue(imagery.pk, str(staged))
        status_url = reverse("imagery-detail", args=[imagery.pk])
        return Response({"id": imagery.pk, "status": imagery.status, "status_url": status_url},
                        status=status.HTTP_202_ACCEPTED, headers={"Location": status_url})


class ImageryDetail(APIView):
    """One image as a GeoJSON Feature: its ingest status (pending, processing, ready, failed) and error."""

    renderer_classes = GEOJSON_RENDERERS

    @extend_schema(operation_id="imagery_retrieve", responses={(200, GEOJSON): OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        audience = audience_of(request)
        imagery = get_object_or_404(imagery_visible_to(audience=audience), pk=pk)
        return Response(imagery_feature(audience=audience, imagery=imagery), content_type=GEOJSON)


class EvidenceList(APIView):
    """Ground-change evidence beside reported progress; `flagged=true` lists "check on site" only."""

    @extend_schema(parameters=[OpenApiParameter("flagged", str, enum=["true", "false"]),
                               OpenApiParameter("project", int)],
                   responses={200: {"type": "array", "items": {"type": "object"}}})
    def get(self, request: Request) -> Response:
        flagged = choice(request.query_params.get("flagged"), "flagged", ("true", "false"))
        project = object_id(request.query_params.get("project"), "project")
        evidence = evidence_visible_to(audience=audience_of(request),
                                       flagged=None if flagged is None else flagged == "true", project_id=project)
        return Response(evidence_rows(evidence=evidence))


def tile_parameters(imagery: TileSource, query) -> tuple[list[int], list[float] | None]:
    """Read bands= (1 or 3 band numbers within the image) and rescale=min,max; BadParameter when wrong."""
    try:
        bands = [int(b) for b in query["bands"].split(",")] if query.get("bands") else list(imagery.default_bands)
    except ValueError:
        raise BadParameter("bands", "bands must be band numbers, e.g. bands=3,2,1.") from None
    if len(bands) not in (1, 3) or not all(1 <= band <= imagery.band_count for band in bands):
        raise BadParameter("bands", f"Give 1 or 3 band numbers between 1 and {imagery.band_count}.")
    rescale = imagery.default_rescale or None
    if query.get("rescale"):
        try:
            low, high = (float(value) for value in query["rescale"].split(","))
        except ValueError:
            raise BadParameter("rescale", "rescale must be min,max, e.g. rescale=0,255.") from None
        if not (math.isfinite(low) and math.isfinite(high) and high > low):
            raise BadParameter("rescale", "rescale max must be greater than min (finite numbers).")
        rescale = [low, high]
    return bands, rescale


@require_GET
def imagery_tile(request, pk: int, z: int, x: int, y: int) -> HttpResponse:
    """A 256 px PNG tile of one image; transparent outside its data, 404 outside its bounds.

    A plain Django view (like the vector tiles): per-request framework work would show
    next to a tile that takes a few milliseconds. The id is looked up; no path comes
    from the request.
    """
    if failure := authenticate_api_token(request):
        return failure
    with imagery_for_tile(audience=audience_of(request), pk=pk) as answer:
        ahead = _render_ahead(pk, z, x, y, request)  # meanwhile the database answers
        imagery = answer()
    _remember(pk, imagery)
    if imagery is None:
        return json_error("No such imagery.", 404)
    try:
        bands, rescale = tile_parameters(imagery, request.GET)
    except BadParameter as exc:
        return bad_parameter_response(exc)
    key = f"{imagery.pk}:{imagery.cog_uri}:{z}/{x}/{y}:{bands}:{rescale}"
    etag = f'"{hashlib.blake2b(key.encode(), digest_size=12).hexdigest()}"'
    if request.META.get("HTTP_IF_NONE_MATCH") in {etag, f"W/{etag}"}:  # not request.headers: it parses them all
        return _cached(HttpResponse(status=304), imagery, etag)
    tile = ahead if ahead is not None and ahead.source == imagery else _render(imagery, bands, rescale, z, x, y)
    if tile.outside is not None:
        return json_error(tile.outside, 404)
    return _cached(HttpResponse(tile.png, content_type="image/png"), imagery, etag)


# Public images this process served tiles of: a tile of one is rendered while its access query runs, and
# used only once the answer allows it with the same COG, bands and range. Public ones only, so that no
# render before the check makes a private image's id slower to refuse than a missing one.
_SEEN_PUBLIC: dict[int, TileSource] = {}
_SEEN_PUBLIC_LOCK = threading.Lock()
SEEN_PUBLIC_MAX = 256


@dataclass(frozen=True)
class _Tile:
    source: TileSource
    png: bytes | None
    outside: str | None  # why there is no tile: it lies outside the image


def _render(source: TileSource, bands: list[int], rescale: list[float] | None, z: int, x: int, y: int) -> _Tile:
    try:
        return _Tile(source, raster_tiles.tile_png(source.cog_uri, z, x, y, bands=bands, rescale=rescale,
                                                   cache_bytes=settings.GEOTRACK["RASTER_TILE_CACHE_MB"] << 20), None)
    except rasters.TileOutsideBounds as exc:
        return _Tile(source, None, str(exc))


def _render_ahead(pk: int, z: int, x: int, y: int, request) -> _Tile | None:
    """Render the tile of a public image seen before, unless the caller only revalidates its copy."""
    source = _SEEN_PUBLIC.get(pk)
    if source is None or "If-None-Match" in request.headers:
        return None
    try:
        return _render(source, *tile_parameters(source, request.GET), z, x, y)
    except Exception:  # noqa: BLE001 - whatever failed is answered after the access check, from the database's row
        return None


def _remember(pk: int, imagery: TileSource | None) -> None:
    with _SEEN_PUBLIC_LOCK:
        _SEEN_PUBLIC.pop(pk, None)
        if imagery is not None and imagery.readable_by_public:
            if len(_SEEN_PUBLIC) >= SEEN_PUBLIC_MAX:
                del _SEEN_PUBLIC[next(iter(_SEEN_PUBLIC))]
            _SEEN_PUBLIC[pk] = imagery


def _cached(response: HttpResponse, imagery: TileSource, etag: str) -> HttpResponse:
    """Public imagery is cacheable by anyone; private tiles only by the caller (its flag may change)."""
    response["ETag"] = etag
    if imagery.readable_by_public:
        response["Cache-Control"] = f"public, max-age={TILE_MAX_AGE}"
    else:
        response["Cache-Control"] = "private, no-cache"
        patch_vary_headers(response, ("Cookie", "Authorization"))
    return response
