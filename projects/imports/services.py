"""Bulk import of projects: all or nothing, in one transaction."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from geotrack.core.sql import Sql
from projects.access import user_region_ids, user_role
from projects.imports.reader import ImportFileError, read_table
from projects.imports.validation import FIELDS, GEOMETRY_FIELDS, REQUIRED, check_rows
from projects.models import ProgressReport, Project, Profile
from projects.services import projects_assign_regions
from projects.signals import projects_geometry_changed

BATCH = 2000
MAX_REPORTED_ROWS = 1000

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class ImportReport:
    rows: int
    created: int = 0
    dry_run: bool = False
    errors: list[dict] = field(default_factory=list)  # row by row, at most MAX_REPORTED_ROWS
    invalid_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.invalid_rows

    def detail(self) -> str:
        if not self.ok:
            return _("%(bad)d of %(rows)d rows are invalid; nothing was imported.") % {
                "bad": self.invalid_rows, "rows": self.rows}
        if self.dry_run:
            return _("All %(rows)d rows are valid; nothing was written (dry run).") % {"rows": self.rows}
        return _("Imported %(created)d projects.") % {"created": self.created}

    def as_dict(self) -> dict:
        body = {"detail": self.detail(), "rows": self.rows, "created": self.created, "dry_run": self.dry_run}
        if not self.ok:
            body["errors"] = {"rows": self.errors, "invalid_rows": self.invalid_rows}
        return body


def parse_mapping(raw: str | dict | None) -> dict[str, str]:
    """Read {"our field": "column in the file"}; unknown targets are refused."""
    if not raw:
        return {}
    try:
        mapping = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as exc:
        raise ImportFileError(_("The mapping is not valid JSON."), "mapping") from exc
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise ImportFileError(_('The mapping must be an object such as {"title": "name"}.'), "mapping")
    unknown = sorted(set(mapping) - set(FIELDS) - set(GEOMETRY_FIELDS))
    if unknown:
        raise ImportFileError(_("Unknown fields in the mapping: %(fields)s; use: %(allowed)s.") % {
            "fields": ", ".join(unknown), "allowed": ", ".join((*FIELDS, *GEOMETRY_FIELDS))}, "mapping")
    return mapping


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def projects_import(*, path: Path, user, mapping: dict[str, str] | None = None, crs: str | None = None,
                    dry_run: bool = False, progress: Progress = _no_progress, source: str | None = None) -> ImportReport:
    """Check every row and, when all are valid and this is no dry run, create the projects at once.

    Raise ImportFileError when the file as a whole is unusable.
    """
    mapping = mapping or {}
    table = read_table(path, crs=crs, mapping=mapping)
    missing = [name for name in REQUIRED if mapping.get(name, name) not in table.columns]
    if missing:
        raise ImportFileError(_("Missing columns: %(columns)s (map them with a column mapping).")
                              % {"columns": ", ".join(mapping.get(name, name) for name in missing)})
    progress("checked", 0, len(table))
    checked = check_rows(table, mapping)
    progress("checked", len(table), len(table))
    report = ImportReport(rows=len(table), dry_run=dry_run, errors=checked.errors[:MAX_REPORTED_ROWS],
                          invalid_rows=len(checked.errors))
    if report.ok and not dry_run and len(table):
        try:
            report.created = _create(table.geometries, checked.values, user=user, source=source or path.name,
                                     progress=progress)
        except OutOfScopeRows as exc:
            report.errors, report.invalid_rows = exc.rows, len(exc.rows)
    return report


class OutOfScopeRows(Exception):
    def __init__(self, rows: list[dict]):
        super().__init__(rows)
        self.rows = rows


@transaction.atomic
def _create(geometries, rows: list[dict], *, user, source: str, progress: Progress) -> int:
    now = timezone.now()
    wkb = shapely.to_wkb(geometries, include_srid=False)
    projects = []
    for values, geometry in zip(rows, wkb):
        fields = {k: v for k, v in values.items() if k not in {"physical_progress", "financial_progress"}}
        has_progress = values["physical_progress"] is not None or values["financial_progress"] is not None
        projects.append(Project(**fields, geom=GEOSGeometry(memoryview(geometry), srid=4326),
                                physical_progress=values["physical_progress"] or 0,
                                financial_progress=values["financial_progress"] or 0,
                                last_report_at=now if has_progress else None, created_at=now, updated_at=now))
    for start in range(0, len(projects), BATCH * 5):
        chunk = projects[start:start + BATCH * 5]
        bulk_create_with_history(chunk, Project, batch_size=BATCH, default_user=user if user.is_authenticated else None,
                                 default_date=now, custom_historical_attrs={"history_effective_at": now})
        progress("written", start + len(chunk), len(projects))
    ids = [project.pk for project in projects]
    ProgressReport.objects.bulk_create([
        ProgressReport(project_id=project.pk, reported_at=now, recorded_at=now, author=user if user.is_authenticated
                       else None, physical=project.physical_progress, financial=project.financial_progress,
                       note=f"Imported from {source}")
        for project, values in zip(projects, rows)
        if values["physical_progress"] is not None or values["financial_progress"] is not None], batch_size=BATCH)
    projects_assign_regions(project_ids=ids, keep_given=True)
    _check_planner_scope(user, ids)
    _link_cameras(ids)
    progress("linked", len(ids), len(ids))
    return len(ids)


def _check_planner_scope(user, ids: list[int]) -> None:
    """A planner bound to regions imports only projects touching them; otherwise everything rolls back."""
    region_ids = user_region_ids(user) if user_role(user) == Profile.Role.PLANNER else []
    if not region_ids:
        return
    statement = Sql("SELECT array_position(%(ids)s, p.id) FROM unnest(%(ids)s::bigint[]) AS p(id) WHERE NOT EXISTS ("
                    "SELECT 1 FROM projects_projectregion l WHERE l.project_id = p.id "
                    "AND l.region_id = ANY(%(region_ids)s)) ORDER BY 1 LIMIT %(limit)s",
                    {"ids": ids, "region_ids": region_ids, "limit": MAX_REPORTED_ROWS})
    rows = [row[0] for row in statement.fetchall()]
    if rows:
        raise OutOfScopeRows([{"row": row, "errors": {"geometry": [_("The project lies outside your regions.")]}}
                              for row in rows])


def _link_cameras(ids: list[int]) -> None:
    """Announce the new projects, so that cameras whose field of view covers them link to them."""
    projects_geometry_changed.send(sender=Project, project_ids=ids)
