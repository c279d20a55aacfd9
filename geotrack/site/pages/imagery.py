"""The before/after comparison page of a project's imagery."""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from layers import imagery_maps
from layers.imagery_selectors import imagery_visible_to
from layers.models import Imagery
from projects.access import audience_of


def imagery_compare(request, pk: int):
    """Show a before/after swipe of a project's imagery (`?before=<id>&after=<id>`, else first and last)."""
    audience = audience_of(request)
    project = get_object_or_404(audience.projects(), pk=pk)
    images = list(imagery_visible_to(audience=audience).filter(project=project, status=Imagery.Status.READY)
                  .order_by("acquired_on", "id"))
    chosen = {image.pk: image for image in images}
    try:
        before = chosen[int(request.GET["before"])] if "before" in request.GET else images[0]
        after = chosen[int(request.GET["after"])] if "after" in request.GET else images[-1]
    except (KeyError, ValueError, IndexError):
        raise Http404(_("No such pair of images for this project.")) from None
    if before.pk == after.pk:
        raise Http404(_("Choose two different images."))
    rendered = imagery_maps.comparison_map(project=project, before=before, after=after)
    response = render(request, "layers/imagery_compare.html",
                      {"project": project, "before": before, "after": after, "map": rendered, "images": images})
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ("Cookie", "Authorization"))
    return response
