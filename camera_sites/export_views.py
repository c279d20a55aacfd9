"""Time-lapse export: POST starts a background GIF render (202), then poll the status URL and download."""
from __future__ import annotations

import datetime as dt

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from camera_sites.timelapse import camera_timelapse_export, timelapse_until
from camera_sites.views import visible_camera
from geotrack.core.jobs import job_owner, start_job
from projects.access import audience_of


def _status_url(pk: int, result_id) -> str:
    return reverse("camera-timelapse-status", args=[pk, result_id])


def _visible_result(request: Request, pk: int, result_id):
    """The export of this camera, if the caller may see it and everything it holds."""
    camera = visible_camera(request, pk)
    try:
        result = camera_timelapse_export.get_result(str(result_id))
    except TaskResultDoesNotExist as exc:
        raise Http404 from exc
    if len(result.args) < 2 or result.task.module_path != camera_timelapse_export.module_path:
        raise Http404
    camera_id, until_iso = result.args[:2]
    # Only whoever started it, and only while they may still read everything it holds.
    if (not request.user.is_authenticated or job_owner(result) != request.user.pk or camera_id != camera.pk
            or dt.datetime.fromisoformat(until_iso) > timelapse_until(audience=audience_of(request), camera=camera)):
        raise Http404
    return result


class TimelapseExportCreate(APIView):
    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        """Start rendering this camera's time-lapse (the last 30 days) as a GIF in the background (signed in)."""
        camera = visible_camera(request, pk)
        until = timelapse_until(audience=audience_of(request), camera=camera)
        result = start_job(request.user, camera_timelapse_export, camera.pk, until.isoformat())
        url = _status_url(camera.pk, result.id)
        return Response({"status": result.status, "status_url": url}, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": url})


class TimelapseExportStatus(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int, result_id) -> Response:
        """Say whether the export is ready, with its download URL when it is."""
        result = _visible_result(request, pk, result_id)
        body = {"status": result.status, "status_url": _status_url(pk, result_id), "download_url": None}
        if result.status == TaskResultStatus.SUCCESSFUL:
            body["download_url"] = reverse("camera-timelapse-file", args=[pk, result_id])
        elif result.status == TaskResultStatus.FAILED:
            body["detail"] = _("The export failed (are there snapshots in the range?).")
        return Response(body)


class TimelapseExportFile(APIView):
    @extend_schema(responses={(200, "image/gif"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int, result_id) -> FileResponse:
        """Download the finished GIF."""
        result = _visible_result(request, pk, result_id)
        if result.status != TaskResultStatus.SUCCESSFUL:
            raise Http404
        return FileResponse(default_storage.open(result.return_value, "rb"), content_type="image/gif",
                            as_attachment=True, filename=f"camera-{pk}-timelapse.gif")
