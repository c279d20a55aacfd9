"""Content negotiation, links and caching for the OGC API - Features views."""
from __future__ import annotations

import json

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"


def wants_html(request: Request) -> bool:
    """Decide by ?f=json|html first, then by Accept (JSON unless HTML is preferred)."""
    chosen = request.query_params.get("f")
    if chosen:
        if chosen not in {"json", "geojson", "html"}:
            raise exceptions.ValidationError({"f": [_("f must be json or html.")]})
        return chosen == "html"
    best_html, best_json = 0.0, 0.0
    for part in request.headers.get("Accept", "").split(","):
        media, *options = (piece.strip() for piece in part.split(";"))
        quality = next((float(o[2:]) for o in options if o.startswith("q=") and _is_number(o[2:])), 1.0)
        if media in {HTML, "application/xhtml+xml"}:
            best_html = max(best_html, quality)
        elif media in {JSON, GEOJSON} or media.endswith("+json"):
            best_json = max(best_json, quality)
    return best_html > best_json


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def link(href: str, rel: str, media_type: str, title: str = "") -> dict:
    entry = {"href": href, "rel": rel, "type": media_type}
    if title:
        entry["title"] = str(title)
    return entry


def format_links(request: Request, json_type: str = JSON) -> list[dict]:
    """self and alternate: the same resource as JSON and as HTML, the current one being self."""
    url = remove_query_param(request.build_absolute_uri(), "f")
    as_json = link(replace_query_param(url, "f", "json"), "self", json_type, _("This document as JSON"))
    as_html = link(replace_query_param(url, "f", "html"), "alternate", HTML, _("This document as HTML"))
    if wants_html(request):
        as_json["rel"], as_html["rel"] = "alternate", "self"
    return [as_json, as_html]


def json_response(body: dict | str, content_type: str = JSON) -> HttpResponse:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return HttpResponse(text, content_type=content_type)


def html_response(request: Request, context: dict) -> HttpResponse:
    return render(request._request, "ogc/page.html", context)


class OgcView(APIView):
    """DRF for authentication (knox tokens, sessions) and the error shape; our own negotiation.

    Every answer may differ by caller (visibility, the signed-in user in the page header)
    or by Accept, so it is private and varies on them.
    """

    def perform_content_negotiation(self, request, force=False):
        return JSONRenderer(), JSON  # views pick JSON or HTML themselves; never a 406

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ("Accept", "Cookie", "Authorization"))
        return response
