"""Who may moderate citizen feedback (CONTRACT.md, Extensions: citizens). Reading is decided by projects.access."""
from __future__ import annotations

from projects.access import COORDINATOR, MINISTRY, user_agency_ids, user_region_ids, user_role
from projects.models import Profile

from citizens.models import Feedback


def can_moderate_feedback(user, feedback: Feedback) -> bool:
    """Akimats of the project's regions, the responsible agency's ministry users, the coordinator, admins."""
    role = user_role(user)
    if role in (Profile.Role.ADMIN, COORDINATOR):
        return True
    if role == MINISTRY:
        return feedback.agency_id in set(user_agency_ids(user))
    if role == Profile.Role.AKIMAT and feedback.project_id is not None:
        touched = feedback.project.region_links.values_list("region_id", flat=True)
        return bool(set(touched) & set(user_region_ids(user)))
    return False


def moderates_somewhere(user) -> bool:
    """Whether the moderation page has anything for this user."""
    return user_role(user) in (Profile.Role.ADMIN, COORDINATOR, MINISTRY, Profile.Role.AKIMAT)
