"""Layer exports written by GDAL, their background jobs, and the OC4IDS package."""
from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.views import APIView

from geotrack.core.concurrency import NoFreeSlot, slot
from geotrack.core.jobs import job_owner, start_job
from geotrack.core.throttle import CallerThrottle
from layers.exports.gdal import FORMATS, feature_counts
from layers.exports.layers import LAYERS, layer_query
from layers.exports.oc4ids import oc4ids_chunks, oc4ids_count
from layers.exports.services import OC4IDS, export_content_type, export_filename, export_in_background, export_to_temp, \
    exports_root
from projects.access import audience_of

FILTERS = [OpenApiParameter(name, str, description=text) for name, text in (
    ("bbox", "minlon,minlat,maxlon,maxlat (EPSG:4326)"), ("region", "ISO 3166-2 code (projects)"),
    ("status", "project status"), ("health", "project health"), ("sector", "project sector"),
    ("agency", "agency code"), ("roadmap_item", "roadmap item number"), ("q", "text in title or description"),
    ("detail", "regions: full (default) or simplified"))]


def _base_url(request: Request) -> str:
    return request.build_absolute_uri(reverse("home")).rstrip("/")


class LayerExport(APIView):
    """One layer in one GDAL format, with the API's filters and the caller's visibility.

    Up to EXPORT_SYNC_MAX features the file comes back at once (at most EXPORT_CONCURRENCY at a time
    over all processes, else 429); above, the export runs in the background for signed-in callers and
    the answer is 202 with a status URL. Exports are rate-limited per caller (RATE_LIMITS["export"]).
    """

    throttle_classes = [CallerThrottle]
    throttle_limit = "export"

    @extend_schema(parameters=FILTERS, responses={
        (200, "application/octet-stream"): OpenApiTypes.BINARY,
        202: OpenApiResponse(OpenApiTypes.OBJECT, description="Export queued; see status_url")})
    def get(self, request: Request, layer: str, export_format: str) -> HttpResponse:
        if layer not in LAYERS or export_format not in FORMATS:
            raise Http404
        audience = audience_of(request)
        query = layer_query(layer=layer, audience=audience, query=request.query_params)
        counts = feature_counts(query, export_format)  # the Shapefile's parts come with the total
        if counts["all"] > settings.GEOTRACK["EXPORT_SYNC_MAX"]:
            job = start_job(request.user, export_in_background, layer, export_format,
                            request.query_params.urlencode())
            url = request.build_absolute_uri(reverse("export-job", args=[job.id]))
            return JsonResponse({"status": "queued", "status_url": url}, status=status.HTTP_202_ACCEPTED,
                                headers={"Location": url})
        try:
            with slot("sync-export", settings.GEOTRACK["EXPORT_CONCURRENCY"]):
                path, folder = export_to_temp(audience=audience, layer=layer, export_format=export_format,
                                              query=request.query_params, counts=counts)
        except NoFreeSlot:
            raise exceptions.Throttled(wait=10, detail=_(
                "Every export slot is busy; try again in a few seconds.")) from None
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
        shutil.rmtree(folder)  # the open handle keeps the data readable until the response is sent
        return FileResponse(handle, as_attachment=True, filename=export_filename(layer, export_format),
                            content_type=FORMATS[export_format].content_type)


def _job(request: Request, job_id: str):
    """Return the export job if this caller started it; 404 otherwise (never reveal others' jobs)."""
    try:
        job = export_in_background.get_result(str(job_id))
    except (TaskResultDoesNotExist, TaskResultMismatch, ValueError) as exc:
        raise Http404 from exc
    if not request.user.is_authenticated or job_owner(job) != request.user.pk:
        raise Http404
    return job


class ExportJob(APIView):
    """The state of a background export, with its download link once written."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, job_id: str) -> JsonResponse:
        job = _job(request, job_id)
        body = {"status": str(job.status).lower(), "layer": job.args[0], "format": job.args[1]}
        if job.status == TaskResultStatus.SUCCESSFUL:
            body["download_url"] = request.build_absolute_uri(reverse("export-job-file", args=[job_id]))
        elif job.status == TaskResultStatus.FAILED:
            body["detail"] = "The export failed."
        return JsonResponse(body)


class ExportJobFile(APIView):
    """The file of a finished background export (only for the caller who asked for it)."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, job_id: str) -> FileResponse:
        job = _job(request, job_id)
        if job.status != TaskResultStatus.SUCCESSFUL:
            raise Http404
        path = (exports_root() / job.return_value).resolve()
        if exports_root().resolve() not in path.parents or not path.is_file():
            raise Http404
        return FileResponse(open(path, "rb"), as_attachment=True, filename=Path(path).name,  # noqa: SIM115
                            content_type=export_content_type(job.args[1]))


class Oc4idsExport(APIView):
    """An OC4IDS 0.9.5 project package of the projects the caller may see (rate-limited per caller).

    Built in PostgreSQL and streamed; above OC4IDS_SYNC_MAX projects it is written by the worker for
    signed-in callers (202 with a status URL, as large exports).
    """

    throttle_classes = [CallerThrottle]
    throttle_limit = "oc4ids"

    @extend_schema(responses={200: OpenApiTypes.OBJECT,
                              202: OpenApiResponse(OpenApiTypes.OBJECT, description="Package queued; see status_url")})
    def get(self, request: Request) -> HttpResponse:
        audience = audience_of(request)
        if oc4ids_count(audience) > settings.GEOTRACK["OC4IDS_SYNC_MAX"]:
            query = request.query_params.copy()
            query["base_url"] = _base_url(request)
            job = start_job(request.user, export_in_background, OC4IDS, OC4IDS, query.urlencode())
            url = request.build_absolute_uri(reverse("export-job", args=[job.id]))
            return JsonResponse({"status": "queued", "status_url": url}, status=status.HTTP_202_ACCEPTED,
                                headers={"Location": url})
        return StreamingHttpResponse(oc4ids_chunks(audience=audience, base_url=_base_url(request)),
                                     content_type="application/json")
