"""Who is asking: a user's contract role, and the regions and agencies it acts for."""
from __future__ import annotations

from projects.models import Agency, Profile

NATIONAL_ROLES = frozenset({Profile.Role.PLANNER, Profile.Role.ANALYST, Profile.Role.ADMIN,
                            Profile.Role.COORDINATOR})
AGENCY_ROLES = frozenset({Profile.Role.MINISTRY, Profile.Role.AKIMAT})
COORDINATOR = Profile.Role.COORDINATOR
MINISTRY = Profile.Role.MINISTRY


def user_role(user) -> str | None:
    """Return the contract role of a user: None for anonymous callers and users without a role."""
    if user is None or not user.is_authenticated:
        return None
    if getattr(user, "is_superuser", False):
        return Profile.Role.ADMIN
    profile = getattr(user, "profile", None) if getattr(user, "pk", None) else None
    return profile.role if profile else None


def user_region_ids(user) -> list[int]:
    profile = getattr(user, "profile", None) if getattr(user, "pk", None) else None
    if profile and "regions" in getattr(profile, "_prefetched_objects_cache", {}):
        return sorted(region.pk for region in profile.regions.all())  # users fetched in bulk (notifications)
    return sorted(profile.regions.values_list("id", flat=True)) if profile else []


def user_agency_ids(user) -> list[int]:
    """The agencies a ministry or akimat user acts for: its own, and for akimats the akimats of its regions."""
    profile = getattr(user, "profile", None) if getattr(user, "pk", None) else None
    if profile is None or user_role(user) not in AGENCY_ROLES:
        return []
    ids = set(profile.agencies.values_list("id", flat=True))
    if profile.role == Profile.Role.AKIMAT:
        ids |= set(Agency.objects.filter(kind=Agency.Kind.AKIMAT, region__in=profile.regions.all())
                   .values_list("id", flat=True))
    return sorted(ids)
