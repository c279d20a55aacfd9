"""`?scope=public`: answer as an anonymous visitor would, whoever asks.

Public embeds use it, so their tiles and data never include what the viewer's own
session could see, and the answers are identical for everyone (publicly cacheable).
"""
from __future__ import annotations

from django.contrib.auth.models import AnonymousUser


def is_public_scope(request) -> bool:
    return request.GET.get("scope") == "public"


def effective_user(request):
    return AnonymousUser() if is_public_scope(request) else request.user


def cache_headers(request, response, *, max_age: int = 60) -> None:
    """Public caching only for answers identical for everyone; private otherwise."""
    if is_public_scope(request):
        response["Cache-Control"] = f"public, max-age={max_age}"
    else:
        response["Cache-Control"] = "private, no-cache"
        response["Vary"] = "Cookie, Authorization"


def authenticate_api_token(request):
    """For plain (non-DRF) views: accept `Authorization: Token <key>` as the API does.

    Return a 401 response for a bad token, else None (request.user is set on success).
    """
    from knox.auth import TokenAuthentication
    from rest_framework.exceptions import AuthenticationFailed

    from geotrack.errors import json_error

    if request.META.get("HTTP_AUTHORIZATION", "").startswith("Token "):
        try:
            result = TokenAuthentication().authenticate(request)
        except AuthenticationFailed as exc:
            return json_error(str(exc.detail), 401)
        if result:
            request.user = result[0]
    return None
