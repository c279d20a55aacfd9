"""Template helpers that keep pages inert: `{% csp_nonce %}`, `{{ html|nonced:request }}`, `|web_link`."""
from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from geotrack.core.csp import with_nonce
from geotrack.core.validators import is_web_link

register = template.Library()


@register.simple_tag(takes_context=True)
def csp_nonce(context) -> str:
    """This response's nonce, for the nonce attribute of an inline script of ours."""
    request = context.get("request")
    return getattr(request, "csp_nonce", "")


@register.filter
def nonced(html: SafeString, request) -> SafeString:
    """Our own pre-rendered HTML (already safe) with this response's nonce on its inline scripts."""
    return mark_safe(with_nonce(str(html), getattr(request, "csp_nonce", "")))  # noqa: S308 - ours, already safe


@register.filter(name="web_link")
def web_link(value: str) -> bool:
    """`{% if url|web_link %}`: render a stored URL as a link only when it is http(s)."""
    return is_web_link(value or "")
