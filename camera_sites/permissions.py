"""Who may manage cameras (CONTRACT.md, Roles): planners in their scope, and admins."""
from __future__ import annotations

from django.contrib.gis.geos import Point

from projects.models import Region
from projects.permissions import planner_scope_allows


def can_manage_camera_at(user, location: Point) -> bool:
    """A planner manages cameras inside their regions (anywhere when national); admins everywhere."""
    region_ids = Region.objects.filter(boundary__intersects=location).values_list("id", flat=True)
    return planner_scope_allows(user, region_ids)
