"""Request-level guards for the API, and Django's middlewares that every request pays for, made lazy."""
from __future__ import annotations

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.messages.storage import default_storage
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty
from rest_framework.views import APIView
from simple_history.middleware import HistoryRequestMiddleware as SimpleHistoryRequestMiddleware

from geotrack.core.errors import json_error

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware, answering as it does; without language-prefixed URLs, the short way.

    geotrack's URLs carry no language prefix (no i18n_patterns), so the language comes from the cookie,
    then Accept-Language, then LANGUAGE_CODE, and no 404 is redirected to a prefixed path: Django's
    class checks the URL conf and the path for a prefix on every request and response. A URL conf that
    uses prefixes gets Django's own handling.
    """

    def process_request(self, request):
        if self._prefixed(request):
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request, response):
        if self._prefixed(request):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response

    @staticmethod
    def _prefixed(request) -> bool:
        return is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))[0]


class MessageMiddleware(DjangoMessageMiddleware):
    """Django's MessageMiddleware with the storage made when a message is first added or read.

    API calls, tiles and embeds never use messages, and making the storage (a cookie and a session
    storage behind a fallback) cost every request; a storage nobody touched has nothing to save.
    """

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)


def HistoryRequestMiddleware(get_response):  # noqa: N802 - named like simple_history's, which it wraps
    """simple_history's middleware (the request, hence the user, of the history rows a change writes),
    for the requests that may change something: GET, HEAD and OPTIONS never write."""
    recording = SimpleHistoryRequestMiddleware(get_response)

    def middleware(request):
        if request.method in SAFE_METHODS:
            return get_response(request)
        return recording(request)

    return middleware
