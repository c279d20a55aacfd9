"""`{% project_timelapses project %}`: a time-lapse for each camera watching a project."""
from __future__ import annotations

from django import template

from camera_sites.selectors import cameras_visible_to
from camera_sites.timelapse import timelapse_frames
from projects.access import audience_of

register = template.Library()


@register.inclusion_tag("camera_sites/_project_timelapses.html", takes_context=True)
def project_timelapses(context, project) -> dict:
    """Time-lapses of the cameras the caller may see among those linked to the project."""
    audience = audience_of(context["request"])
    cameras = cameras_visible_to(audience=audience).filter(links__project=project, links__active=True).order_by("pk")
    return {"timelapses": [{"id": f"timelapse-{camera.pk}", "label": camera.label, "camera": camera,
                            "frames": timelapse_frames(audience=audience, camera=camera)} for camera in cameras]}
