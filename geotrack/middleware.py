"""Request-level guards for the API."""
from __future__ import annotations

from django.conf import settings
from django.utils.cache import patch_vary_headers

from geotrack.errors import json_error


class BodySizeLimitMiddleware:
    """Answer 413 before reading a body larger than the limit for its path.

    Django's own DATA_UPLOAD_MAX_MEMORY_SIZE gives a 400 and does not cover file
    uploads, so the limit is checked here from Content-Length, per path prefix.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = self._limit(request.path)
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > limit:
            return json_error(f"Request body too large: {int(length)} bytes; the limit here is {limit} bytes.", 413,
                              {"body": [f"at most {limit} bytes"]})
        return self.get_response(request)

    @staticmethod
    def _limit(path: str) -> int:
        limits = settings.GEOTRACK["BODY_LIMITS"]
        for prefix, limit in limits.items():
            if prefix != "default" and path.startswith(prefix):
                return limit
        return limits["default"]


class PrivateApiCacheMiddleware:
    """API answers differ by caller: mark them private unless a view said otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "private, no-cache")
            patch_vary_headers(response, ("Cookie", "Authorization"))
        return response


class FrameAncestorsMiddleware:
    """Pages stay unframeable (CSP frame-ancestors 'none' beside X-Frame-Options: DENY).

    Embeds set their own policy and are exempt from X-Frame-Options.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        return response
