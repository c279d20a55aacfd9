"""A request resolved into its audience, once (``?scope=public`` included)."""
from __future__ import annotations

from projects.access.audience import Audience, audience_for


def is_public_scope(request) -> bool:
    return request.GET.get("scope") == "public"


def audience_from(user, query) -> Audience:
    """The audience of a user asking with these query parameters (for work done later, in the worker)."""
    return Audience() if query.get("scope") == "public" else audience_for(user)


def audience_of(request) -> Audience:
    """Resolve a request into its audience, once: ?scope=public answers as the public, whoever asks.

    A DRF request authenticates on first access to .user; the audience is kept on the
    request for the user it was built for, so later calls reuse it.
    """
    user = request.user
    cached = getattr(request, "_geotrack_audience", None)
    if cached is not None and cached[0] is user:
        return cached[1]
    audience = audience_from(user, request.GET)
    request._geotrack_audience = (user, audience)
    return audience
