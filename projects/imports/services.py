"""Bulk import of projects: all or nothing, in one transaction, streamed through COPY and written set-based."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.access import user_region_ids, user_role
from projects.counts import resume_insert_counts
from projects.imports.reader import ImportFileError, iter_tables, open_import, source_epsg
from projects.imports.statements import TEMP_TABLES
from projects.imports.validation import FIELDS, GEOMETRY_FIELDS, REQUIRED, Lookups, check_rows, import_extent
from projects.imports.writer import BatchWriter, WriteParams, batch_csv
from projects.models import Project, Profile
from projects.signals import projects_geometry_changed

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


BATCH_ROWS = 20000
LINK_ROWS = 100_000  # cameras are relinked for this many new projects at a time: memory stays flat at 1M rows


def projects_import(*, path: Path, user, mapping: dict[str, str] | None = None, crs: str | None = None,
                    dry_run: bool = False, progress: Progress = _no_progress, source: str | None = None) -> ImportReport:
    """Check every row and, when all are valid and this is no dry run, create the projects, all or nothing.

    The file is streamed in batches (constant memory): each batch is checked with the API's rules and
    messages and, while no row has failed, written by a BatchWriter (COPY into a staging table, then
    regions, projects, history rows and progress reports set-based) while the next batch is read and
    checked; cameras are relinked at the end; everything in one transaction, rolled back on any invalid
    row. Raise ImportFileError when the file as a whole is unusable.
    """
    mapping = mapping or {}
    opened = open_import(path, mapping=mapping)
    fields = {str(name) for name in opened.info["fields"]}
    missing = [name for name in REQUIRED if mapping.get(name, name) not in fields]
    if missing:
        raise ImportFileError(_("Missing columns: %(columns)s (map them with a column mapping).")
                              % {"columns": ", ".join(mapping.get(name, name) for name in missing)})
    source_crs = source_epsg(opened, crs)
    report = ImportReport(rows=0, dry_run=dry_run)
    with transaction.atomic():
        lookups, extent = Lookups(), import_extent()
        writer = None if dry_run else BatchWriter(connection.connection, WriteParams(
            now=timezone.now(), user_id=user.pk if user.is_authenticated else None,
            note=f"Imported from {source or path.name}", region_ids=_planner_regions(user),
            max_reported=MAX_REPORTED_ROWS))
        try:
            _check_and_write(opened, source_crs, mapping, report, lookups, extent, writer, progress)
        except BaseException:
            if writer is not None:
                writer.close(failed=True)
            raise
        if writer is not None:
            writer.close(failed=False)
            with connection.cursor() as cursor:  # the writer counted its projects as it inserted them
                resume_insert_counts(cursor)
        if report.ok and writer is not None and writer.out_of_scope:
            report.errors = [{"row": row, "errors": {"geometry": [_("The project lies outside your regions.")]}}
                             for row in writer.out_of_scope]
            report.invalid_rows = len(report.errors)
        elif report.ok and writer is not None and writer.created:
            report.created = writer.created
            progress("written", report.created, report.created)
            _link_new_projects(report.created, progress)
        with connection.cursor() as cursor:
            # ON COMMIT DROP does not fire inside an outer transaction (a savepoint): drop them here too.
            cursor.execute(f"DROP TABLE IF EXISTS {', '.join(TEMP_TABLES)}")
        if not report.ok or dry_run:
            transaction.set_rollback(True)
    return report


def _check_and_write(opened, source_crs: int, mapping: dict[str, str], report: ImportReport, lookups: Lookups,
                     extent, writer: BatchWriter | None, progress: Progress) -> None:
    """Read, check and (through `writer`, while no row failed) write every batch; count rows and errors."""
    total = opened.features
    progress("checked", 0, total)
    for table in iter_tables(opened, source_crs, batch_size=BATCH_ROWS):
        first_row = report.rows + 1
        checked = check_rows(table, mapping, lookups=lookups, extent=extent, first_row=first_row)
        if checked.errors:
            report.invalid_rows += len(checked.errors)
            report.errors.extend(checked.errors[:MAX_REPORTED_ROWS - len(report.errors)])
        elif writer is not None and not report.invalid_rows:
            writer.submit(batch_csv(table, checked.columns, first_row=first_row), len(table))
        report.rows += len(table)
        progress("checked", report.rows, max(total, report.rows))


def _planner_regions(user) -> list[int]:
    """A planner bound to regions imports only projects touching them; anyone else imports anywhere."""
    return list(user_region_ids(user)) if user_role(user) == Profile.Role.PLANNER else []


def _link_new_projects(created: int, progress: Progress) -> None:
    """Announce the new projects, LINK_ROWS at a time from a server-side cursor (memory stays flat at 1M rows)."""
    linked = 0
    with connection.cursor() as cursor, cursor.cursor.connection.cursor(name="import_new_ids") as new_ids:
        new_ids.execute("SELECT id FROM import_created ORDER BY row")
        while ids := [row[0] for row in new_ids.fetchmany(LINK_ROWS)]:
            # Cameras whose field of view covers the new projects link to them (camera_sites listens).
            projects_geometry_changed.send(sender=Project, project_ids=ids)
            linked += len(ids)
            progress("linked", linked, created)
