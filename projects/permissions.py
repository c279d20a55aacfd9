"""Who may change what (CONTRACT.md, Roles). Reading is decided by projects.access."""
from __future__ import annotations

from collections.abc import Iterable

from projects.models import Profile, Project
from projects.access import user_region_ids, user_role


def _touches(project_region_ids: Iterable[int], user) -> bool:
    return bool(set(project_region_ids) & set(user_region_ids(user)))


def can_create_projects(user) -> bool:
    return user_role(user) in {Profile.Role.PLANNER, Profile.Role.ADMIN}


def planner_scope_allows(user, region_ids: Iterable[int]) -> bool:
    """A planner bound to regions works there; an unbound planner works nationally."""
    role = user_role(user)
    if role == Profile.Role.ADMIN:
        return True
    if role != Profile.Role.PLANNER:
        return False
    return not user_region_ids(user) or _touches(region_ids, user)


def can_edit_project(user, project: Project) -> bool:
    return planner_scope_allows(user, project.region_links.values_list("region_id", flat=True))


def can_report_progress(user, project: Project) -> bool:
    role = user_role(user)
    if role == Profile.Role.ADMIN:
        return True
    return role == Profile.Role.AKIMAT and _touches(project.region_links.values_list("region_id", flat=True), user)
