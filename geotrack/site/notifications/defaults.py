"""Role defaults: what a user follows by e-mail until they choose otherwise (settings NOTIFY["ROLE_DEFAULTS"]).

Keyed by role name, so defaults for roles that land later (ministry, coordinator) apply once they exist.
Applied once per user: deleting a default afterwards is the user's choice and sticks.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from geotrack.site.notifications.models import RoleDefaultsApplied, Subscription
from projects.access import user_region_ids, user_role


def defaults_for(user) -> dict | None:
    """The default subscription's fields for this user's role, or None."""
    rule = settings.NOTIFY["ROLE_DEFAULTS"].get(str(user_role(user) or ""))
    if rule is None:
        return None
    fields = {"alert_kinds": list(rule.get("alert_kinds", []))}
    if rule.get("follow") == "regions":
        fields["regions"] = user_region_ids(user)
        if not fields["regions"]:
            return None
    elif rule.get("follow") == "agencies":
        agencies = getattr(user.profile, "agencies", None)
        fields["agencies"] = sorted(agencies.values_list("code", flat=True)) if agencies is not None else []
        if not fields["agencies"]:
            return None
    return fields


def apply_role_defaults(*, limit: int = 500) -> int:
    """Create the role default of users with a role, an e-mail address and no default applied yet."""
    roles = list(settings.NOTIFY["ROLE_DEFAULTS"])
    users = (get_user_model().objects.filter(is_active=True, profile__role__in=roles).exclude(email="")
             .exclude(pk__in=RoleDefaultsApplied.objects.values("user_id")).select_related("profile")[:limit])
    created = 0
    for user in users:
        with transaction.atomic():
            RoleDefaultsApplied.objects.create(user=user)
            fields = defaults_for(user)
            if fields is not None:
                Subscription.objects.create(user=user, channel="email", origin=Subscription.Origin.ROLE,
                                            language=settings.LANGUAGE_CODE, **fields)
                created += 1
    return created
