"""The camera API."""
from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.views import APIView

from camera_sites.selectors import cameras_geojson
from projects.filters import BBoxField


class CameraList(APIView):
    """Cameras as GeoJSON: status (online/offline), last seen and the latest snapshot the caller may see."""

    @extend_schema(parameters=[OpenApiParameter("bbox", str), OpenApiParameter("project", int)],
                   responses={(200, "application/geo+json"): OpenApiTypes.OBJECT})
    def get(self, request: Request) -> HttpResponse:
        try:
            bbox = BBoxField(required=False).clean(request.query_params.get("bbox", ""))
        except Exception as exc:  # django.forms.ValidationError
            raise exceptions.ValidationError({"bbox": list(getattr(exc, "messages", [str(exc)]))}) from exc
        project = request.query_params.get("project")
        if project is not None and not project.isdigit():
            raise exceptions.ValidationError({"project": ["project must be a project id."]})
        body = cameras_geojson(user=request.user, bbox=bbox, project_id=int(project) if project else None)
        return HttpResponse(body, content_type="application/geo+json")
