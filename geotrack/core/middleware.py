"""Request-level guards for the API."""
from __future__ import annotations

from django.conf import settings
from django.utils.cache import patch_vary_headers
from rest_framework.views import APIView

from geotrack.core.errors import json_error


class BodySizeLimitMiddleware:
    """Answer 413 before reading a body larger than the limit of the view it is for.

    Django's own DATA_UPLOAD_MAX_MEMORY_SIZE gives a 400 and does not cover file
    uploads, so the limit is checked from Content-Length once the URL is resolved (before
    any middleware or view reads the body), per URL name (settings BODY_LIMITS).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        limits = settings.GEOTRACK["BODY_LIMITS"]
        name = request.resolver_match.url_name if request.resolver_match else None
        limit = limits.get(name, limits["default"])
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > limit:
            return json_error(f"Request body too large: {int(length)} bytes; the limit here is {limit} bytes.", 413,
                              {"body": [f"at most {limit} bytes"]})
        return None


class PrivateApiCacheMiddleware:
    """API answers (DRF views) differ by caller: mark them private unless the view said otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "_geotrack_api_view", False):
            response.headers.setdefault("Cache-Control", "private, no-cache")
            patch_vary_headers(response, ("Cookie", "Authorization"))
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        request._geotrack_api_view = isinstance(view_class, type) and issubclass(view_class, APIView)
        return None
