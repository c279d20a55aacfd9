"""POST /api/imports/: bulk import for planners and admins, all or nothing."""
from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from geotrack.core.jobs import job_owner, start_job
from geotrack.core.uploads import ACCEPTED_IMPORTS, UploadRefused, declared_import_format
from projects.imports.reader import ImportFileError, feature_count
from projects.imports.services import parse_mapping, projects_import
from projects.imports.tasks import import_in_background
from projects.permissions import can_create_projects

UPLOAD = inline_serializer("ImportUpload", {
    "file": serializers.FileField(help_text=ACCEPTED_IMPORTS),
    "dry_run": serializers.BooleanField(required=False),
    "mapping": serializers.CharField(required=False, help_text='JSON, e.g. {"title": "name"}'),
    "crs": serializers.CharField(required=False, help_text="EPSG:XXXX, for a file without a CRS"),
})


def _file_error(exc: ImportFileError) -> Response:
    code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE if exc.too_large else status.HTTP_400_BAD_REQUEST
    return Response({"detail": str(exc), "errors": {exc.field: [str(exc)]}}, status=code)


def _save_upload(upload, folder: Path) -> Path:
    """Stage the upload alone in a folder of ours, under a name of ours that keeps only its declared suffix."""
    try:
        declared_import_format(upload.name or "")
    except UploadRefused as exc:
        raise ImportFileError(str(exc)) from exc
    path = folder / f"upload{Path(upload.name).suffix.lower()}"
    with open(path, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


class ImportProjects(APIView):
    """Import projects from a file. One invalid row rejects the file with a row-by-row report.

    Above IMPORT_SYNC_MAX_ROWS features the import runs in the background: 202 with a status URL.
    """

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": UPLOAD}, responses={
        200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT, 202: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if not can_create_projects(request.user):
            raise exceptions.PermissionDenied()
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": ["Send the file as multipart field 'file'."]})
        dry_run = str(request.data.get("dry_run", "")).lower() in {"1", "true", "yes", "on"}
        folder = Path(tempfile.mkdtemp(prefix="geotrack-import-"))
        try:
            path = _save_upload(upload, folder)
            mapping, crs = parse_mapping(request.data.get("mapping")), request.data.get("crs") or None
            if feature_count(path) > settings.GEOTRACK["IMPORT_SYNC_MAX_ROWS"]:
                return self._enqueue(request, path, mapping, crs, dry_run)
            report = projects_import(path=path, user=request.user, mapping=mapping, crs=crs, dry_run=dry_run)
        except ImportFileError as exc:
            return _file_error(exc)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        code = status.HTTP_400_BAD_REQUEST if not report.ok else (
            status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED)
        return Response(report.as_dict(), status=code)

    def _enqueue(self, request: Request, path: Path, mapping: dict, crs: str | None, dry_run: bool) -> Response:
        kept = Path(settings.MEDIA_ROOT) / "imports" / uuid.uuid4().hex / path.name
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), kept)
        try:
            job = start_job(request.user, import_in_background, str(kept), mapping, crs, dry_run)
        except Exception:
            shutil.rmtree(kept.parent, ignore_errors=True)  # refused: nothing stays behind
            raise
        url = request.build_absolute_uri(reverse("import-job", args=[job.id]))
        return Response({"detail": "The import runs in the background.", "status": "queued", "status_url": url},
                        status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class ImportJob(APIView):
    """The state of a background import and, once finished, its report (only for whoever started it)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, job_id) -> Response:
        try:
            job = import_in_background.get_result(str(job_id))
        except (TaskResultDoesNotExist, TaskResultMismatch, ValueError) as exc:
            raise Http404 from exc
        if not request.user.is_authenticated or job_owner(job) != request.user.pk:
            raise Http404
        body = {"status": str(job.status).lower()}
        if job.status == TaskResultStatus.SUCCESSFUL:
            body["report"] = job.return_value
        elif job.status == TaskResultStatus.FAILED:
            body["detail"] = "The import failed; nothing was written."
        return Response(body)
