"""Small pieces every view shares: caching headers, API tokens for plain views, 401/403."""
from __future__ import annotations

from django.utils.cache import patch_vary_headers
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.exceptions import AuthenticationFailed

from geotrack.core.errors import json_error


def cache_headers(response, *, shared: bool, max_age: int = 60) -> None:
    """Public caching only for answers identical for everyone (`shared`); private otherwise."""
    if shared:
        response["Cache-Control"] = f"public, max-age={max_age}"
    else:
        response["Cache-Control"] = "private, no-cache"
        patch_vary_headers(response, ("Cookie", "Authorization"))


def authenticate_api_token(request):
    """For plain (non-DRF) views: accept `Authorization: Token <key>` as the API does.

    Return a 401 response for a bad token, else None (request.user is set on success).
    """
    if request.META.get("HTTP_AUTHORIZATION", "").startswith("Token "):
        try:
            result = TokenAuthentication().authenticate(request)
        except AuthenticationFailed as exc:
            return json_error(str(exc.detail), 401)
        if result:
            request.user = result[0]
    return None


def require(request, allowed: bool) -> None:
    """401 without credentials, 403 for a caller who may read but not change."""
    if not request.user.is_authenticated:
        raise exceptions.NotAuthenticated()
    if not allowed:
        raise exceptions.PermissionDenied()
