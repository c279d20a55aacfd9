"""Answers for paths that match no view and for unexpected failures: JSON unless a browser asks for HTML.

API clients, tiles and GIS tools get the API's error shape (`{"detail": ..., "errors": {}}`) whatever
the path; a browser navigating (Accept: text/html) gets a page.
"""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from geotrack.core.errors import json_error
from geotrack.core.faults import response_for_current_exception


def wants_html(request) -> bool:
    return "text/html" in request.headers.get("Accept", "")


def not_found(request, exception=None) -> HttpResponse:
    if wants_html(request):
        return render(request, "errors/404.html", status=404)
    return json_error(_("Not found."), 404)


def server_error(request) -> HttpResponse:
    # A database that went away is no failure of ours: 503 JSON with Retry-After, even for browsers.
    if unavailable := response_for_current_exception():
        return unavailable
    if wants_html(request):
        return render(request, "errors/500.html", status=500)
    return json_error(_("The server failed to answer; the failure was logged."), 500)


def bad_request(request, exception=None) -> HttpResponse:
    if wants_html(request):
        return render(request, "errors/400.html", status=400)
    return json_error(_("Bad request."), 400)


def permission_denied(request, exception=None) -> HttpResponse:
    if wants_html(request):
        return render(request, "errors/403.html", status=403)
    return json_error(_("You may not do this."), 403)
