"""Writes that span models: region derivation and progress history."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import ProgressReport, Project
from projects.permissions import planner_scope_allows
from projects.signals import projects_geometry_changed

# Share of each region a project touches: area for polygons, length for lines,
# 1 for points. Planar measures suffice, because they are only compared with
# each other inside one project.
_ASSIGN_REGIONS_SQL = """
WITH targets AS (
    SELECT id, geom FROM projects_project WHERE id = ANY(%(ids)s)
), touched AS (
    SELECT t.id AS project_id, r.id AS region_id,
        CASE
            WHEN ST_Dimension(t.geom) = 2 THEN ST_Area(ST_Intersection(t.geom, r.boundary))
            WHEN ST_Dimension(t.geom) = 1 THEN ST_Length(ST_Intersection(t.geom, r.boundary))
            ELSE 1.0
        END AS share
    FROM targets t JOIN projects_region r ON ST_Intersects(t.geom, r.boundary)
), nearest AS (
    -- A project in no region (offshore in the Caspian, say) takes the nearest one.
    SELECT t.id AS project_id, n.region_id, 1.0 AS share
    FROM targets t
    CROSS JOIN LATERAL (
        SELECT r.id AS region_id FROM projects_region r
        ORDER BY ST_Distance(t.geom, r.boundary), r.id LIMIT 1
    ) n
    WHERE NOT EXISTS (SELECT 1 FROM touched WHERE touched.project_id = t.id)
), shares AS (
    SELECT project_id, region_id, share / NULLIF(SUM(share) OVER (PARTITION BY project_id), 0) AS share
    FROM (SELECT * FROM touched UNION ALL SELECT * FROM nearest) s
), inserted AS (
    INSERT INTO projects_projectregion (project_id, region_id, share)
    SELECT project_id, region_id, COALESCE(share, 1.0) FROM shares ORDER BY project_id, region_id
)
UPDATE projects_project p SET region_id = best.region_id
FROM (
    SELECT DISTINCT ON (project_id) project_id, region_id
    FROM shares ORDER BY project_id, share DESC NULLS LAST, region_id
) best
WHERE p.id = best.project_id AND (NOT %(keep_given)s OR p.region_id IS NULL)
"""


def projects_assign_regions(*, project_ids: Iterable[int], keep_given: bool = False) -> None:
    """Derive each project's regions from its geometry, in one statement in PostGIS.

    Every region a project touches is listed with its share; the primary region is
    the one with the largest share. With keep_given, a primary region that was set
    explicitly is kept.
    """
    ids = list(project_ids)
    if ids:
        with connection.cursor() as cursor:
            # A separate DELETE: inside one statement, the INSERT would not see it.
            cursor.execute("DELETE FROM projects_projectregion WHERE project_id = ANY(%s)", [ids])
            cursor.execute(_ASSIGN_REGIONS_SQL, {"ids": ids, "keep_given": keep_given})


_REFRESH_PROGRESS_SQL = """
UPDATE projects_project p SET
    physical_progress = COALESCE(cur.physical, 0),
    financial_progress = COALESCE(cur.financial, 0),
    last_report_at = cur.last_report_at
FROM (
    SELECT t.id,
        latest.physical, latest.financial,
        (SELECT max(r.reported_at) FROM projects_progressreport r WHERE r.project_id = t.id) AS last_report_at
    FROM unnest(%(ids)s::bigint[]) AS t(id)
    LEFT JOIN LATERAL (
        SELECT r.physical, r.financial FROM projects_progressreport r
        WHERE r.project_id = t.id
          AND NOT EXISTS (SELECT 1 FROM projects_progressreport c WHERE c.supersedes_id = r.id)
        ORDER BY r.reported_at DESC, r.id DESC LIMIT 1
    ) latest ON true
) cur
WHERE p.id = cur.id
"""


def projects_refresh_progress(*, project_ids: Iterable[int]) -> None:
    """Copy each project's latest report that nobody superseded onto the project.

    Progress is not part of the project's version (its ETag), so this raw UPDATE
    keeps it out of the version and out of the field history on purpose.
    """
    ids = list(project_ids)
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(_REFRESH_PROGRESS_SQL, {"ids": ids})


@transaction.atomic
def progress_report_add(
    *,
    project: Project,
    physical: Decimal | float,
    financial: Decimal | float,
    note: str = "",
    author=None,
    reported_at: dt.datetime | None = None,
    supersedes: ProgressReport | None = None,
) -> ProgressReport:
    """Append a progress report; a correction names the report it supersedes.

    A correction takes the date of the report it corrects unless told otherwise.
    Both stay in the history; only reports nobody superseded count as current.
    """
    if supersedes is not None and supersedes.project_id != project.pk:
        raise ValidationError({"supersedes": _("That report belongs to another project.")})
    if reported_at is None:
        reported_at = supersedes.reported_at if supersedes is not None else timezone.now()
    report = ProgressReport(
        project=project,
        physical=Decimal(str(physical)),
        financial=Decimal(str(financial)),
        note=note,
        author=author,
        reported_at=reported_at,
        supersedes=supersedes,
    )
    report.full_clean()
    report.save()
    projects_refresh_progress(project_ids=[project.pk])
    return report


@transaction.atomic
def project_save(*, project: Project, changed_fields: Iterable[str] = ()) -> Project:
    """Save a project's own fields, bump its version and keep its regions derived.

    The version (and so the ETag) changes with the project's own fields and
    geometry. Regions are derived again when the geometry changes; a primary
    region given explicitly in the same change is kept.
    """
    changed = set(changed_fields)
    is_new = project.pk is None
    if not is_new:
        project.version += 1
    project.updated_at = timezone.now()
    project.full_clean(exclude=["regions", "roadmap_items"])
    project.save()
    if is_new or changed & {"geom", "region"}:
        region_given = "region" in changed or (is_new and project.region_id is not None)
        projects_assign_regions(project_ids=[project.pk], keep_given=region_given)
        project.refresh_from_db(fields=["region"])
        projects_geometry_changed.send(sender=Project, project_ids=[project.pk])
    return project


def parse_if_match(header: str | None) -> set[str] | None:
    """Return the entity tags of an If-Match header, weak or strong, without quotes."""
    if not header:
        return None
    return {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")}


def project_etag(project: Project) -> str:
    """The ETag comes from the version, which changes with the project's own fields and geometry."""
    return f'"{project.pk}-{project.version}"'


def _lock_current(project: Project, if_match: str | None) -> Project:
    current = Project.objects.select_for_update().get(pk=project.pk)
    tags = parse_if_match(if_match)
    if tags is not None and "*" not in tags and project_etag(current).strip('"') not in tags:
        raise StaleVersion(project_etag(current))
    return current


class StaleVersion(Exception):
    """If-Match named a version that is no longer current."""

    def __init__(self, current_etag: str):
        super().__init__(current_etag)
        self.current_etag = current_etag


class OutOfScope(Exception):
    """The change would move a project outside the caller's regions."""


def _apply(project: Project, data: dict, *, user, effective_at) -> Project:
    roadmap_items = data.pop("roadmap_items", None)
    data.pop("effective_at", None)
    for field, value in data.items():
        setattr(project, field, value)
    project._history_user = user
    project._history_effective_at = effective_at
    project_save(project=project, changed_fields=data.keys())
    if roadmap_items is not None:
        project.roadmap_items.set(roadmap_items)
    return project


def _check_scope(project: Project, user) -> None:
    if not planner_scope_allows(user, project.region_links.values_list("region_id", flat=True)):
        raise OutOfScope()


@transaction.atomic
def project_create(*, data: dict, user) -> Project:
    """Create a project; a regional planner may create only inside their regions."""
    effective_at = data.get("effective_at") or timezone.now()
    project = _apply(Project(), dict(data), user=user, effective_at=effective_at)
    _check_scope(project, user)
    return project


@transaction.atomic
def project_update(*, project: Project, data: dict, user, if_match: str | None) -> Project:
    """Change a project under a row lock, honouring If-Match; all or nothing."""
    current = _lock_current(project, if_match)
    effective_at = data.get("effective_at") or timezone.now()
    updated = _apply(current, dict(data), user=user, effective_at=effective_at)
    _check_scope(updated, user)
    return updated


@transaction.atomic
def project_archive(*, project: Project, user, if_match: str | None) -> Project:
    """Archive (soft-delete) a project; its history stays."""
    current = _lock_current(project, if_match)
    return _apply(current, {"archived_at": timezone.now()}, user=user, effective_at=timezone.now())
