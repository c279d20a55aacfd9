"""Signing in without guessing: throttled sign-in and token endpoints, and a user's own tokens.

Every attempt counts against the caller's address; failures count against the username and
against the (username, address) pair. Limits are fixed windows in PostgreSQL (geotrack/core/
throttle.py), so they hold across processes and nodes, and a window always ends: an attacker can
slow a real user down for at most that long, never lock them out for good. Existing sessions and
tokens keep working meanwhile.
"""
from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import exceptions, status
from rest_framework.authentication import BasicAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from geotrack.core.throttle import Decision, client_ip, configured, throttled


def sign_in_blocked(request, username: str) -> Decision | None:
    """Count this attempt for the address; say whether the address, the username or the pair is over its limit."""
    address = client_ip(request)
    by_address = configured("login-ip").hit(address)
    if not by_address.allowed:
        return by_address
    name = username.strip().casefold()
    for limit, key in (("login-user", name), ("login-user-ip", f"{name}|{address}")):
        decision = configured(limit).blocked(key)
        if not decision.allowed:
            return decision
    return None


def sign_in_failed(request, username: str) -> None:
    name = username.strip().casefold()
    configured("login-user").hit(name)
    configured("login-user-ip").hit(f"{name}|{client_ip(request)}")


def too_many_message() -> str:
    return _("Too many sign-in attempts. Wait a few minutes and try again.")


class ThrottledLoginView(auth_views.LoginView):
    """Django's sign-in page, throttled: 429 with Retry-After beyond the limits."""

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        blocked = sign_in_blocked(request, username)
        if blocked is not None:  # the password is not even checked
            form = self.get_form_class()(request)
            response = self.render_to_response(self.get_context_data(form=form, throttled=too_many_message()),
                                               status=429)
            response["Retry-After"] = str(blocked.retry_after)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form) -> HttpResponse:
        sign_in_failed(self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)


class ThrottledBasicAuthentication(BasicAuthentication):
    """HTTP Basic for the token endpoint, with the sign-in page's limits (429 with Retry-After)."""

    def authenticate_credentials(self, userid, password, request=None):
        blocked = sign_in_blocked(request, userid)
        if blocked is not None:
            raise throttled(blocked, too_many_message())
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            sign_in_failed(request, userid)
            raise


def _token(token: AuthToken, current) -> dict:
    return {"id": token.token_key, "created": token.created, "expiry": token.expiry, "current": token == current}


class TokenList(APIView):
    """The caller's own API tokens (never their secrets): when made, when they expire, which one is in use."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        tokens = AuthToken.objects.filter(user=request.user).order_by("-created")
        return Response({"results": [_token(token, request.auth) for token in tokens]})


class TokenDetail(APIView):
    """DELETE revokes one of the caller's own tokens (by its id); someone else's is a 404."""

    @extend_schema(responses={204: None})
    def delete(self, request: Request, token_id: str) -> Response:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        deleted, _count = AuthToken.objects.filter(user=request.user, token_key=token_id).delete()
        if not deleted:
            raise exceptions.NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)
