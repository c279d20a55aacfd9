"""The "check on site" alert: reported progress rose while the imagery shows no change."""
from __future__ import annotations

from django.utils.translation import gettext as _

from layers.models import ChangeEvidence
from projects.selectors import projects_visible_to


def evidence_alerts(*, user) -> list[dict]:
    """One alert per flagged pair of images of a project the user may see (one query)."""
    flagged = (ChangeEvidence.objects.filter(flagged=True, project__in=projects_visible_to(user=user))
               .select_related("project__region", "project__agency", "before", "after"))
    return [{
        "kind": "check_on_site", "severity": 3, "url": f"/projects/{evidence.project_id}/",
        "region": evidence.project.region.iso_code if evidence.project.region else None,
        "agency": evidence.project.agency.code,
        "object": {"type": "project", "id": evidence.project_id, "title": evidence.project.title},
        "magnitude": evidence.progress_after - evidence.progress_before,
        "reason": _("Check on site: reported progress rose from %(before).0f%% to %(after).0f%% between "
                    "%(first)s and %(second)s, but the imagery shows almost no change (index %(index).3f).") % {
            "before": evidence.progress_before, "after": evidence.progress_after,
            "first": evidence.before.acquired_on.isoformat(), "second": evidence.after.acquired_on.isoformat(),
            "index": evidence.index},
    } for evidence in flagged]
