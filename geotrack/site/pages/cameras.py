"""The camera's own page: latest snapshot, live view, time-lapse and status history."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers

from camera_sites.selectors import camera_outages, cameras_visible_to, offline_after, snapshots_visible_to
from camera_sites.timelapse import timelapse_frames
from projects.access import Audience, audience_of


def live_view(*, audience: Audience, stream_url: str) -> dict:
    """How the page shows the stream: HLS plays in the page, RTSP is a link; hidden from the public."""
    if not audience.authenticated or not stream_url:
        return {"kind": None, "url": ""}
    scheme = urlsplit(stream_url).scheme.lower()
    if scheme in {"rtsp", "rtsps"}:
        return {"kind": "rtsp", "url": stream_url}
    if scheme in {"http", "https"}:
        return {"kind": "hls", "url": stream_url}
    return {"kind": None, "url": ""}  # never a link of another scheme (javascript:, data:, ...)


_NOT_HOST = re.compile(r"[^A-Za-z0-9.:\[\]-]")


def stream_origin(url: str) -> str:
    """scheme://host[:port] of an http(s) stream URL, for the page's CSP connect-src."""
    parts = urlsplit(url)
    host = _NOT_HOST.sub("", parts.netloc.rpartition("@")[2])  # no credentials, nothing that ends a directive
    return f"{parts.scheme}://{host}"


def camera_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Render /cameras/<id>/ for a camera the caller may see (404 otherwise)."""
    audience = audience_of(request)
    camera = get_object_or_404(cameras_visible_to(audience=audience), pk=pk)
    context_live = live_view(audience=audience, stream_url=camera.stream_url)
    online = camera.last_seen_at is not None and camera.last_seen_at >= timezone.now() - offline_after()
    response = render(request, "camera_sites/camera_detail.html", {
        "camera": camera,
        "online": online,
        "latest": snapshots_visible_to(audience=audience, camera=camera).first(),
        "live": context_live,
        "timelapse": {"id": f"timelapse-{camera.pk}", "label": camera.label,
                      "frames": timelapse_frames(audience=audience, camera=camera)},
        "outages": camera_outages(camera=camera),
        "projects": _watched_projects(audience, camera),
    })
    if context_live["kind"] == "hls":  # the player fetches the stream from its own host (CSP connect-src)
        response.csp_connect_src = [stream_origin(context_live["url"])]
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ("Cookie",))
    return response


def _watched_projects(audience: Audience, camera):
    """The projects this camera actively watches, among those the caller may see."""
    return audience.projects().filter(camera_links__camera=camera, camera_links__active=True).order_by("pk")
