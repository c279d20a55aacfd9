"""The camera API: the GeoJSON list, camera management, device reports and snapshot files."""
from __future__ import annotations

import json

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from camera_sites import openapi, services  # noqa: F401 - openapi registers the device scheme
from camera_sites.authentication import DeviceTokenAuthentication, IsThisCamerasDevice
from camera_sites.models import Camera, Snapshot
from camera_sites.permissions import can_manage_camera_at
from camera_sites.selectors import cameras_geojson, cameras_visible_to, snapshot_is_public, snapshots_visible_to
from camera_sites.serializers import CameraWriteSerializer, SnapshotSerializer, SnapshotUploadSerializer
from geotrack.core.errors import PayloadTooLarge
from geotrack.core.http import require
from geotrack.core.pagination import ListPagination
from geotrack.core.params import object_id, parse_bbox
from geotrack.core.renderers import GEOJSON, GEOJSON_RENDERERS
from projects.access import audience_of
from projects.permissions import can_create_projects


def visible_camera(request: Request, pk: int) -> Camera:
    """Return a camera the caller may read, or 404 whether it exists or not."""
    return get_object_or_404(cameras_visible_to(audience=audience_of(request)), pk=pk)


def camera_feature(request: Request, camera: Camera, status_code: int = 200, **extra) -> Response:
    """The camera as the same audience that found it reads it (404 if that audience may not)."""
    collection = json.loads(cameras_geojson(audience=audience_of(request), camera_id=camera.pk))
    if not collection["features"]:
        raise Http404
    feature = collection["features"][0]
    feature["properties"].update(extra)
    return Response(feature, status=status_code, content_type=GEOJSON)


class CameraList(APIView):
    """Cameras as GeoJSON: status (online/offline), last seen and the latest snapshot the caller may see.

    POST creates a camera (planners in their scope, admins); the answer carries its device token, once.
    """

    renderer_classes = GEOJSON_RENDERERS
    serializer_class = CameraWriteSerializer

    @extend_schema(operation_id="cameras_list", parameters=[OpenApiParameter("bbox", str),
                                                           OpenApiParameter("project", int)],
                   responses={(200, GEOJSON): OpenApiTypes.OBJECT})
    def get(self, request: Request) -> HttpResponse:
        bbox = parse_bbox(request.query_params.get("bbox"))
        project = object_id(request.query_params.get("project"), "project")
        body = cameras_geojson(audience=audience_of(request), bbox=bbox, project_id=project)
        return HttpResponse(body, content_type=GEOJSON)

    @extend_schema(request=CameraWriteSerializer, responses={(201, GEOJSON): OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        require(request, can_create_projects(request.user))
        serializer = CameraWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        require(request, can_manage_camera_at(request.user, serializer.validated_data["location"]))
        camera, token = services.camera_create(camera=Camera(**serializer.validated_data))
        return camera_feature(request, camera, status.HTTP_201_CREATED, device_token=token)


class CameraDetail(APIView):
    """One camera as a GeoJSON Feature. PATCH/PUT change it; the cone and project links follow."""

    renderer_classes = GEOJSON_RENDERERS
    serializer_class = CameraWriteSerializer

    @extend_schema(operation_id="cameras_retrieve", responses={(200, GEOJSON): OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        return camera_feature(request, visible_camera(request, pk))

    @extend_schema(request=CameraWriteSerializer, responses={(200, GEOJSON): OpenApiTypes.OBJECT})
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(request=CameraWriteSerializer, responses={(200, GEOJSON): OpenApiTypes.OBJECT})
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        camera = visible_camera(request, pk)
        require(request, can_manage_camera_at(request.user, camera.location))
        serializer = CameraWriteSerializer(camera, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        for field, value in serializer.validated_data.items():
            setattr(camera, field, value)
        require(request, can_manage_camera_at(request.user, camera.location))
        services.camera_save(camera=camera)
        return camera_feature(request, camera)


class DeviceView(APIView):
    """Base of the device endpoints: only a device token of this very camera gets in."""

    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsThisCamerasDevice]


class SnapshotCollection(generics.ListAPIView):
    """GET: a camera's snapshots, newest first (anonymous callers: public cameras, after the public delay).

    POST: the camera's device sends a JPEG or PNG (multipart `image`, optional `captured_at`).
    """

    serializer_class = SnapshotSerializer
    pagination_class = ListPagination
    parser_classes = [MultiPartParser, FormParser]
    queryset = Snapshot.objects.none()

    def initialize_request(self, request, *args, **kwargs):
        # Only the device endpoint takes device tokens, and it takes nothing else (no session, no CSRF).
        self.device_request = request.method == "POST"
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self):
        if getattr(self, "device_request", False):
            return [DeviceTokenAuthentication()]
        return super().get_authenticators()

    def get_permissions(self):
        if getattr(self, "device_request", False):
            return [IsThisCamerasDevice()]
        return super().get_permissions()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return snapshots_visible_to(audience=audience_of(self.request),
                                    camera=visible_camera(self.request, self.kwargs["pk"]))

    @extend_schema(request={"multipart/form-data": SnapshotUploadSerializer}, responses={201: SnapshotSerializer})
    def post(self, request: Request, pk: int) -> Response:
        upload = SnapshotUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            image = upload.validated_data["image"]
            snapshot = services.snapshot_ingest(camera=request.auth, data=image.read(), declared_name=image.name or "",
                                                captured_at=upload.validated_data.get("captured_at"))
        except services.SnapshotRejected as exc:
            if exc.status_code == 429:
                raise exceptions.Throttled(wait=exc.retry_after, detail=exc.message) from exc
            if exc.status_code == 413:
                raise PayloadTooLarge(exc.message) from exc
            raise exceptions.ValidationError({"image": [exc.message]}) from exc
        return Response(SnapshotSerializer(snapshot).data, status=status.HTTP_201_CREATED)


class Heartbeat(DeviceView):
    """POST as the camera's device: marks it seen with one UPDATE, never a row per beat."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, pk: int) -> Response:
        services.camera_heartbeat(camera=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SnapshotFile(APIView):
    """The bytes of a snapshot or its thumbnail, after the same checks as the list."""

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int, snapshot_id: int, variant: str) -> FileResponse:
        camera = visible_camera(request, pk)
        snapshot = get_object_or_404(snapshots_visible_to(audience=audience_of(request), camera=camera), pk=snapshot_id)
        field = snapshot.image if variant == "image" else snapshot.thumbnail
        if not field:
            raise Http404
        response = FileResponse(field.open("rb"), content_type=_content_type(field.name))
        # A snapshot never changes; only what everyone may see can sit in shared caches.
        public = snapshot_is_public(snapshot=snapshot)
        response["Cache-Control"] = "public, max-age=86400" if public else "private, max-age=3600"
        return response


def _content_type(name: str) -> str:
    return "image/png" if name.lower().endswith(".png") else "image/jpeg"
