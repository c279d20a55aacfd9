"""A Content-Security-Policy on every response, with a fresh nonce for our own inline scripts.

Scripts run only from our own origin or from inline blocks that carry this response's nonce
(folium writes its map's JavaScript inline; every such block is ours and gets the nonce when the
page is rendered). No 'unsafe-inline' and no 'unsafe-eval' for scripts. Styles may be inline:
Leaflet and its plugins write style attributes, and styles cannot run code.

A view widens the policy only for itself, through attributes on its response:
- ``response.csp_frame_ancestors = "*"``: public embeds, frameable anywhere (the rest: 'none');
- ``response.csp_connect_src = [origin, ...]``: a camera's own stream host for its live view.
"""
from __future__ import annotations

import functools
import secrets
from urllib.parse import urlsplit

from django.conf import settings

NONCE_PLACEHOLDER = "__geotrack_csp_nonce__"


def _origin(url: str) -> str | None:
    parts = urlsplit(url.replace("{s}", "a").replace("{z}", "0").replace("{x}", "0").replace("{y}", "0"))
    if parts.scheme in {"http", "https"} and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def policy(*, nonce: str, frame_ancestors: str = "'none'", connect_src: list[str] | None = None) -> str:
    """The policy text for one response."""
    return _policy_text(frame_ancestors, tuple(connect_src or ()), settings.BASEMAP_URL).replace(
        NONCE_PLACEHOLDER, nonce)


@functools.lru_cache(maxsize=64)
def _policy_text(frame_ancestors: str, connect_src: tuple[str, ...], basemap_url: str) -> str:
    """The policy with the nonce's placeholder: built once per shape (every response carries one)."""
    nonce = NONCE_PLACEHOLDER
    images = ["'self'", "data:", "blob:"]
    if basemap_url and (basemap := _origin(basemap_url)):
        images.append(basemap)
    connect = ["'self'", *(connect_src or [])]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": connect,
        "media-src": ["'self'", "blob:", *(connect_src or [])],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": [frame_ancestors],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class ContentSecurityPolicyMiddleware:
    """Give each request a nonce and each response the policy (unless a view set its own header)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(18)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy(
                nonce=request.csp_nonce, frame_ancestors=getattr(response, "csp_frame_ancestors", "'none'"),
                connect_src=getattr(response, "csp_connect_src", None))
        return response


def with_nonce(html: str, nonce: str) -> str:
    """Our own rendered HTML (a folium map's pieces) with the nonce in place of its placeholder."""
    return html.replace(NONCE_PLACEHOLDER, nonce)
