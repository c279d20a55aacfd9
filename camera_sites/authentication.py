"""`Authorization: Bearer <device token>`: a camera device, for its own endpoints only."""
from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions

from camera_sites.models import Camera
from camera_sites.tokens import camera_for_token


class CameraDevice:
    """The caller behind a device token: a camera, with no user role and no read rights."""

    is_authenticated = True
    is_anonymous = False
    is_superuser = False
    is_staff = False

    def __init__(self, camera: Camera):
        self.camera = camera
        self.pk = None

    def __str__(self) -> str:
        return f"camera device {self.camera.pk}"


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    """Authenticate a camera device; used only by the device endpoints (snapshot POST, heartbeat)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send Authorization: Bearer <device token>."))
        camera = camera_for_token(header[1])
        if camera is None:
            raise exceptions.AuthenticationFailed(_("Invalid device token."))
        return CameraDevice(camera), camera

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="camera"'


class IsThisCamerasDevice(permissions.BasePermission):
    """401 without a device token; 404 when the token belongs to another camera (it may not see it)."""

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, Camera):
            raise exceptions.NotAuthenticated(_("A camera device token is required."))
        if request.auth.pk != int(view.kwargs["pk"]):
            raise exceptions.NotFound()
        return True
