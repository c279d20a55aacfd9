"""Who may change what in roadmap execution (CONTRACT.md, More roles). Reading is decided by projects.access."""
from __future__ import annotations

from projects.access import audience_for, user_role
from projects.models import Profile, RoadmapItem

from execution.models import ExecutionReport, Instruction

COORDINATING = frozenset({Profile.Role.COORDINATOR, Profile.Role.ADMIN})


def is_coordinator(user) -> bool:
    """The headquarters' secretariat (and admins): periods, decisions, meetings and instructions."""
    return user_role(user) in COORDINATING


def acting_agencies(user) -> set[int]:
    """The agencies a ministry or akimat user reports for."""
    return set(audience_for(user).agency_ids) if user.is_authenticated else set()


def bound_agencies(subject: RoadmapItem | Instruction) -> set[int]:
    """The responsible agency and the co-executors of an item or instruction."""
    return {subject.agency_id, *subject.co_executors.values_list("id", flat=True)}


def reporting_agencies(user, subject: RoadmapItem | Instruction) -> set[int]:
    """The agencies for which this user may report on this item or instruction (empty: may not)."""
    if user_role(user) == Profile.Role.ADMIN:
        return bound_agencies(subject)
    return acting_agencies(user) & bound_agencies(subject)


def can_edit_report(user, report: ExecutionReport) -> bool:
    """The reporting agency's users edit and submit their own report; admins too."""
    return user_role(user) == Profile.Role.ADMIN or report.agency_id in acting_agencies(user)


def can_edit_milestones(user, item: RoadmapItem, *, has_accepted_report: bool) -> bool:
    """The coordinator always; the responsible agency until the item's first accepted report."""
    if is_coordinator(user):
        return True
    return not has_accepted_report and item.agency_id in acting_agencies(user)


def can_request_deadline_change(user, item: RoadmapItem) -> bool:
    return user_role(user) == Profile.Role.ADMIN or bool(acting_agencies(user) & bound_agencies(item))
