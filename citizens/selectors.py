"""Reads of citizen feedback for pages, the dashboard and alerts, always through the audience."""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet
from django.utils import timezone

from geotrack.core.sql import Sql
from projects.access import Audience

from citizens.models import Feedback

# Not answered: waiting for moderation, or published without a reply (a rejection is an answer).
UNANSWERED = "(f.status = 'received' OR (f.status = 'published' AND f.reply = ''))"

_UNANSWERED_BY_SQL = """
SELECT {key}, {name}, count(*) AS n, min(f.created_at) AS oldest
FROM citizens_feedback f
LEFT JOIN projects_project p ON p.id = f.project_id
LEFT JOIN projects_region r ON r.id = p.region_id
LEFT JOIN projects_agency a ON a.id = f.agency_id
WHERE {visible} AND """ + UNANSWERED + """
GROUP BY 1, 2
ORDER BY n DESC, 1
LIMIT %(limit)s
"""

_OVERDUE_SQL = """
SELECT f.id, f.project_id, p.title, f.roadmap_item_id, r.iso_code, a.code, f.created_at, f.status
FROM citizens_feedback f
LEFT JOIN projects_project p ON p.id = f.project_id
LEFT JOIN projects_region r ON r.id = p.region_id
LEFT JOIN projects_agency a ON a.id = f.agency_id
WHERE {visible} AND """ + UNANSWERED + """ AND f.created_at < %(before)s
ORDER BY f.created_at, f.id
LIMIT %(limit)s
"""


def published_feedback(*, audience: Audience, project_id: int | None = None,
                       roadmap_item_id: int | None = None) -> QuerySet[Feedback]:
    """Published feedback on one project or item that the audience may read, newest first."""
    queryset = Feedback.objects.filter(status=Feedback.Status.PUBLISHED)
    if project_id is not None:
        queryset = queryset.filter(project_id=project_id)
    if roadmap_item_id is not None:
        queryset = queryset.filter(roadmap_item_id=roadmap_item_id)
    return audience.filter(queryset, "feedback").prefetch_related("photos").order_by("-created_at", "-id")


def category_counts(queryset: QuerySet[Feedback]) -> list[dict]:
    """Counts by category (every category, in the model's order), with labels."""
    counts = dict(queryset.order_by().values_list("category").annotate(n=Count("id")))
    return [{"category": code, "label": label, "count": counts.get(code, 0)}
            for code, label in Feedback.Category.choices]


def unanswered_counts(*, audience: Audience, limit: int = 20) -> dict:
    """Unanswered feedback the audience may read, counted by the project's primary region and by agency."""
    def grouped(key: str, name: str) -> list[dict]:
        rows = Sql(_UNANSWERED_BY_SQL, {"limit": limit}).format(
            key=key, name=name, visible=audience.sql("feedback", "f")).fetchall()
        return [{"code": code, "name": label, "count": count, "oldest": oldest} for code, label, count, oldest in rows]

    return {"by_region": grouped("r.iso_code", "r.name_en"), "by_agency": grouped("a.code", "a.name_en")}


def unanswered_overdue(*, audience: Audience, days: int, limit: int) -> list[dict]:
    """Feedback left unanswered for more than `days` days that the audience may read, oldest first."""
    before = timezone.now() - dt.timedelta(days=days)
    rows = Sql(_OVERDUE_SQL, {"before": before, "limit": limit}).format(
        visible=audience.sql("feedback", "f")).fetchall()
    now = timezone.now()
    return [{"id": pk, "project_id": project_id, "project_title": title, "roadmap_item_id": item_id,
             "region": iso, "agency": agency, "days": (now - created).days, "status": status}
            for pk, project_id, title, item_id, iso, agency, created, status in rows]
