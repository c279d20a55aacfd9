"""Rendered pages kept until the data they show changes, one copy per audience, user and language.

A page is rendered once for a key made of: its path and query, the active language, the caller's
audience key (projects/access/: callers with the same key read the same things) and, for a
signed-in caller, the user (the header names them), today's date (health depends on it) and the
change tokens of the topics the page reads (geotrack/core/changes.py). Camera heartbeats and
snapshots move neither the projects nor the imagery token, so they do not throw these pages away.

What differs per response is never stored: the CSP nonce and the CSRF token are replaced by
placeholders before the page is stored, and every response gets its own nonce (matching its
Content-Security-Policy header) and a CSRF token for its own cookie. A page with pending messages
("you are signed in") is rendered for that response only and not stored. An entry lives at most
PAGE_CACHE_SECONDS, which bounds what no token follows (the time a camera has been offline,
reference names).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from geotrack.core.changes import change_version
from geotrack.core.csp import NONCE_PLACEHOLDER
from geotrack.core.params import local_today
from projects.access import audience_of

CSRF_PLACEHOLDER = "__geotrack_csrf_token__"
_CSRF_FIELD = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_FORMAT = "page2"  # of the stored entries: a shared cache may still hold another release's
_PLACEHOLDERS = (NONCE_PLACEHOLDER, CSRF_PLACEHOLDER)
_PLACEHOLDER_SPLIT = re.compile("(" + "|".join(map(re.escape, _PLACEHOLDERS)) + ")")
_KEPT_HEADERS = ("Content-Type", "Cache-Control")
_KEPT_ATTRIBUTES = ("csp_frame_ancestors", "csp_connect_src")


def _has_messages(request: HttpRequest) -> bool:
    return len(get_messages(request)) > 0  # counting reads the messages without consuming them


def page_key(request: HttpRequest, topics: Iterable[str]) -> str:
    user = request.user
    who = f"user-{user.pk}" if user.is_authenticated else "anonymous"
    path = hashlib.blake2b(request.get_full_path().encode(), digest_size=12).hexdigest()
    return ":".join(["gt", _FORMAT, change_version(topics), local_today().isoformat(), get_language() or "",
                     audience_of(request).key, who, path])


def cached_page(*, topics: Iterable[str]) -> Callable:
    """Serve a page view's 200 answers from the cache while the data of `topics` is unchanged."""
    topics = tuple(topics)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method != "GET" or _has_messages(request):
                return view(request, *args, **kwargs)
            key = page_key(request, topics)
            entry = cache.get(key)
            if entry is None:
                response = view(request, *args, **kwargs)
                if response.status_code == 200 and not response.streaming and not _has_messages(request):
                    cache.set(key, _stored(request, response), timeout=settings.GEOTRACK["PAGE_CACHE_SECONDS"])
                return response
            return _served(request, entry)
        return wrapper
    return decorator


def _stored(request: HttpRequest, response: HttpResponse) -> dict:
    """The page as encoded chunks between its placeholders, so that serving it only joins bytes.

    Decoding, replacing and encoding again a page of a few hundred kilobytes (the roadmap's 117 items,
    in Cyrillic) cost more per request than the rest of a cached answer.
    """
    html = response.content.decode(response.charset or "utf-8").replace(request.csp_nonce, NONCE_PLACEHOLDER)
    html = _CSRF_FIELD.sub(rf"\g<1>{CSRF_PLACEHOLDER}\g<2>", html)
    chunks = [part if part in _PLACEHOLDERS else part.encode() for part in _PLACEHOLDER_SPLIT.split(html)]
    return {"chunks": chunks,
            "headers": {name: response[name] for name in _KEPT_HEADERS if name in response},
            "attributes": {name: getattr(response, name) for name in _KEPT_ATTRIBUTES if hasattr(response, name)}}


def _served(request: HttpRequest, entry: dict) -> HttpResponse:
    values = {NONCE_PLACEHOLDER: request.csp_nonce.encode()}
    if CSRF_PLACEHOLDER in entry["chunks"]:
        values[CSRF_PLACEHOLDER] = get_token(request).encode()  # this caller's cookie; sets it if new
    response = HttpResponse(b"".join(values[chunk] if isinstance(chunk, str) else chunk
                                     for chunk in entry["chunks"]))
    for name, value in entry["headers"].items():
        response[name] = value
    for name, value in entry["attributes"].items():
        setattr(response, name, value)
    return response
