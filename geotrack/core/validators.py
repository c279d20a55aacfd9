"""Validators for values we later render as links: only schemes that cannot run code."""
from __future__ import annotations

from urllib.parse import urlsplit

from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

WEB_SCHEMES = ("http", "https")
STREAM_SCHEMES = ("http", "https", "rtsp", "rtsps")

# A web link: http(s) only (no javascript:, data:, file: ...), checked at every entry (API, import, admin).
web_url = URLValidator(schemes=list(WEB_SCHEMES), message=_("Enter an http:// or https:// address."))
# A camera stream: HLS over http(s) plays in the page, RTSP is shown as a link; nothing else.
stream_url = URLValidator(schemes=list(STREAM_SCHEMES),
                          message=_("Enter an http(s):// address of an HLS stream or an rtsp(s):// address."))


def is_web_link(value: str) -> bool:
    """Whether a stored value may be rendered as a link (also for rows older than the validators)."""
    return bool(value) and urlsplit(value.strip()).scheme.lower() in WEB_SCHEMES
