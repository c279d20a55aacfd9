"""The service worker at the root of the site (/sw.js), so that its scope is every page of ours.

Its code is a static file (geotrack/site/static/geotrack/sw.js); this view puts the URLs it needs in
front of it (offline.js, the static prefix) and a version that changes with the two files, so a new
deployment replaces the worker and its cache.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.views.decorators.http import require_GET

SOURCES = ("geotrack/sw.js", "geotrack/offline.js")


@lru_cache(maxsize=1)
def _worker() -> tuple[str, str]:
    texts = [Path(finders.find(name)).read_text(encoding="utf-8") for name in SOURCES]
    version = hashlib.sha256("".join(texts).encode()).hexdigest()[:12]
    return texts[0], version


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    source, version = _worker() if not settings.DEBUG else (_worker.__wrapped__())
    config = {"offlineJs": static("geotrack/offline.js"), "staticUrl": settings.STATIC_URL, "version": version}
    body = f"self.GEOTRACK = {json.dumps(config)};\n{source}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
