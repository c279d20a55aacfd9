"""Bulk import of projects: all or nothing, in one transaction, streamed through COPY and written set-based."""
from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import shapely
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geotrack.core.sql import Sql
from projects.access import user_region_ids, user_role
from projects.imports.reader import ImportFileError, iter_tables, open_import, source_epsg
from projects.imports.validation import FIELDS, GEOMETRY_FIELDS, REQUIRED, Lookups, check_rows, import_extent
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


STAGED = ("row", "title", "description", "sector", "kind", "status", "agency_id", "region_id", "physical_progress",
          "financial_progress", "budget", "currency", "planned_start", "planned_end", "actual_start", "actual_end",
          "is_public", "source_url", "geom")
STAGED_TYPES = {"agency_id": pa.int64(), "region_id": pa.int64(), "physical_progress": pa.decimal128(5, 2),
                "financial_progress": pa.decimal128(5, 2), "budget": pa.decimal128(18, 2), "is_public": pa.bool_(),
                **{name: pa.date32() for name in ("planned_start", "planned_end", "actual_start", "actual_end")}}
_STAGING_SQL = """
CREATE TEMP TABLE import_staging (
    id bigint NOT NULL DEFAULT nextval(pg_get_serial_sequence('projects_project', 'id')::regclass),
    row integer NOT NULL, title varchar(300), description text, sector varchar(20), kind varchar(20),
    status varchar(20), agency_id bigint, region_id bigint, physical_progress numeric(5,2),
    financial_progress numeric(5,2), budget numeric(18,2), currency varchar(3), planned_start date,
    planned_end date, actual_start date, actual_end date, is_public boolean, source_url varchar(500),
    geom geometry(Geometry, 4326)
) ON COMMIT DROP
"""
# Every project, its first history row (as django-simple-history's bulk_create_with_history writes it:
# type '+', the import's user and time, no change reason) and, where the file gives progress, a progress
# report; one statement each, in the file's order.
# Regions, derived as projects.services.projects_assign_regions derives them (every region a project
# touches, with its share of area, length or 1 for points; the nearest region for a project in none; the
# largest share is the primary region unless the file gave one), but set-based from the staging table and
# against boundaries cut into small parts (ST_Subdivide) under a GiST index: a point is then tested against
# a part of a few hundred vertices instead of a region of hundreds of thousands. The parts of one region do
# not overlap, so areas and lengths summed over them are the region's.
_REGION_SHARES_SQL = """
CREATE TEMP TABLE import_region_parts ON COMMIT DROP AS
    SELECT row_number() OVER () AS part_id, region_id, geom
    FROM (SELECT id AS region_id, ST_Subdivide(boundary, 256) AS geom FROM projects_region) parts;
CREATE INDEX ON import_region_parts USING gist (geom);
CREATE UNIQUE INDEX ON import_region_parts (part_id);
ANALYZE import_region_parts;
CREATE TEMP TABLE import_hits ON COMMIT DROP AS
    SELECT s.id AS project_id, p.region_id, p.part_id
    FROM import_staging s JOIN import_region_parts p ON ST_Intersects(s.geom, p.geom);
CREATE TEMP TABLE import_shares ON COMMIT DROP AS
WITH per_region AS (
    SELECT project_id, region_id, array_agg(part_id) AS parts, count(*) OVER (PARTITION BY project_id) AS regions
    FROM import_hits GROUP BY project_id, region_id
), touched AS (
    -- A project in one region has all of its share there: areas and lengths only for those in several.
    SELECT project_id, region_id, 1.0 AS share FROM per_region WHERE regions = 1
    UNION ALL
    SELECT r.project_id, r.region_id, CASE WHEN ST_Dimension(s.geom) = 0 THEN 1.0 ELSE (
        SELECT SUM(CASE WHEN ST_Dimension(s.geom) = 2 THEN ST_Area(ST_Intersection(s.geom, p.geom))
                        ELSE ST_Length(ST_Intersection(s.geom, p.geom)) END)
        FROM import_region_parts p WHERE p.part_id = ANY(r.parts)) END
    FROM per_region r JOIN import_staging s ON s.id = r.project_id WHERE r.regions > 1
), nearest AS (
    SELECT s.id AS project_id, n.region_id, 1.0 AS share
    FROM import_staging s
    CROSS JOIN LATERAL (
        SELECT p.region_id FROM import_region_parts p ORDER BY ST_Distance(s.geom, p.geom), p.region_id LIMIT 1
    ) n
    WHERE NOT EXISTS (SELECT 1 FROM import_hits h WHERE h.project_id = s.id)
)
SELECT project_id, region_id, share / NULLIF(SUM(share) OVER (PARTITION BY project_id), 0) AS share
FROM (SELECT * FROM touched UNION ALL SELECT * FROM nearest) u;
CREATE TEMP TABLE import_primary ON COMMIT DROP AS
    SELECT DISTINCT ON (project_id) project_id, region_id FROM import_shares
    ORDER BY project_id, share DESC NULLS LAST, region_id;
CREATE UNIQUE INDEX ON import_primary (project_id);
"""
_WRITE_REGIONS_SQL = """
INSERT INTO projects_projectregion (project_id, region_id, share)
SELECT project_id, region_id, COALESCE(share, 1.0) FROM import_shares ORDER BY project_id, region_id
"""
_WRITE_PROJECTS_SQL = """
INSERT INTO projects_project (id, title, description, sector, kind, geom, budget, currency, planned_start,
    planned_end, actual_start, actual_end, status, physical_progress, financial_progress, last_report_at,
    is_public, source_url, archived_at, created_at, updated_at, version, agency_id, region_id)
SELECT s.id, title, description, sector, kind, geom, budget, currency, planned_start, planned_end, actual_start,
    actual_end, status, COALESCE(physical_progress, 0), COALESCE(financial_progress, 0),
    CASE WHEN physical_progress IS NOT NULL OR financial_progress IS NOT NULL THEN %(now)s END,
    is_public, source_url, NULL, %(now)s, %(now)s, 1, agency_id, COALESCE(s.region_id, b.region_id)
FROM import_staging s LEFT JOIN import_primary b ON b.project_id = s.id ORDER BY s.row
"""
# The history row is the project as created, before regions were derived (as bulk_create_with_history
# then projects_assign_regions left it): the region only where the file gave one.
_WRITE_HISTORY_SQL = """
INSERT INTO projects_historicalproject (id, title, description, sector, kind, geom, budget, currency,
    planned_start, planned_end, actual_start, actual_end, status, is_public, source_url, archived_at, created_at,
    updated_at, version, history_date, history_change_reason, history_type, agency_id, history_user_id, region_id,
    history_effective_at)
SELECT id, title, description, sector, kind, geom, budget, currency, planned_start, planned_end, actual_start,
    actual_end, status, is_public, source_url, NULL, %(now)s, %(now)s, 1, %(now)s, NULL, '+', agency_id,
    %(user_id)s, region_id, %(now)s
FROM import_staging ORDER BY row
"""
_WRITE_REPORTS_SQL = """
INSERT INTO projects_progressreport (reported_at, recorded_at, physical, financial, note, author_id, project_id)
SELECT %(now)s, %(now)s, COALESCE(physical_progress, 0), COALESCE(financial_progress, 0), %(note)s, %(user_id)s, id
FROM import_staging WHERE physical_progress IS NOT NULL OR financial_progress IS NOT NULL ORDER BY row
"""
BATCH_ROWS = 20000
LINK_ROWS = 100_000  # cameras are relinked for this many new projects at a time: memory stays flat at 1M rows


def projects_import(*, path: Path, user, mapping: dict[str, str] | None = None, crs: str | None = None,
                    dry_run: bool = False, progress: Progress = _no_progress, source: str | None = None) -> ImportReport:
    """Check every row and, when all are valid and this is no dry run, create the projects at once.

    The file is streamed in batches (constant memory): each batch is checked row by row in Python (the
    same rules and messages as the API) and, while no row has failed, copied with COPY into a staging
    table; then projects, their history rows and progress reports are written set-based from it, regions
    derived and cameras relinked, all in one transaction. Raise ImportFileError when the file as a whole
    is unusable.
    """
    mapping = mapping or {}
    opened = open_import(path, mapping=mapping)
    fields = {str(name) for name in opened.info["fields"]}
    missing = [name for name in REQUIRED if mapping.get(name, name) not in fields]
    if missing:
        raise ImportFileError(_("Missing columns: %(columns)s (map them with a column mapping).")
                              % {"columns": ", ".join(mapping.get(name, name) for name in missing)})
    source_crs = source_epsg(opened, crs)
    total = opened.features
    report = ImportReport(rows=0, dry_run=dry_run)
    user_id = user.pk if user.is_authenticated else None
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_STAGING_SQL)
            lookups, extent = Lookups(), import_extent()
            progress("checked", 0, total)
            for table in iter_tables(opened, source_crs, batch_size=BATCH_ROWS):
                checked = check_rows(table, mapping, lookups=lookups, extent=extent, first_row=report.rows + 1)
                if checked.errors:
                    report.invalid_rows += len(checked.errors)
                    report.errors.extend(checked.errors[:MAX_REPORTED_ROWS - len(report.errors)])
                elif not report.invalid_rows and not dry_run:
                    _stage(cursor, table, checked.columns, first_row=report.rows + 1)
                report.rows += len(table)
                progress("checked", report.rows, max(total, report.rows))
            if report.ok and not dry_run and report.rows:
                try:
                    report.created = _write(cursor, user=user, user_id=user_id, source=source or path.name,
                                            progress=progress)
                except OutOfScopeRows as exc:
                    report.errors, report.invalid_rows = exc.rows, len(exc.rows)
            # ON COMMIT DROP does not fire inside an outer transaction (a savepoint): drop it here too.
            cursor.execute("DROP TABLE IF EXISTS import_staging, import_region_parts, import_hits, import_shares, import_primary")
            if not report.ok or dry_run:
                transaction.set_rollback(True)
    return report


class OutOfScopeRows(Exception):
    def __init__(self, rows: list[dict]):
        super().__init__(rows)
        self.rows = rows


def _stage(cursor, table, columns: dict[str, list], *, first_row: int) -> None:
    """COPY one checked batch into the staging table as CSV written by Arrow.

    Geometries go as hex WKB without an SRID: the staging column's type gives them EPSG:4326.
    """
    geometries = [wkb.hex() for wkb in shapely.to_wkb(table.geometries)]
    batch = pa.table({"row": pa.array(range(first_row, first_row + len(table)), pa.int32()),
                      **{name: pa.array(columns[name], STAGED_TYPES.get(name, pa.string())) for name in STAGED[1:-1]},
                      "geom": pa.array(geometries, pa.string())})
    text = io.BytesIO()
    # Arrow writes a missing value as an empty field (NULL to COPY) and an empty text as "" (an empty text).
    pa_csv.write_csv(batch, text, pa_csv.WriteOptions(include_header=False))
    with cursor.cursor.copy(f"COPY import_staging ({', '.join(STAGED)}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(text.getbuffer())


def _write(cursor, *, user, user_id: int | None, source: str, progress: Progress) -> int:
    now = timezone.now()
    # Large set-based statements: JIT compilation costs more than it saves here; sorts and hashes of a
    # large import stay in memory.
    cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
    # The planner needs the staging table's size and rough extent, not fine statistics: a small sample.
    cursor.execute("SET LOCAL default_statistics_target = 10; ANALYZE import_staging")
    cursor.execute(_REGION_SHARES_SQL)
    _check_planner_scope(user)
    cursor.execute("SELECT count(*) FROM import_staging")
    total = cursor.fetchone()[0]
    progress("regions", total, total)
    cursor.execute(_WRITE_PROJECTS_SQL, {"now": now})
    created = cursor.rowcount
    cursor.execute(_WRITE_REGIONS_SQL)
    cursor.execute(_WRITE_HISTORY_SQL, {"now": now, "user_id": user_id})
    cursor.execute(_WRITE_REPORTS_SQL, {"now": now, "user_id": user_id, "note": f"Imported from {source}"})
    progress("written", created, created)
    linked = 0
    with cursor.cursor.connection.cursor(name="import_new_ids") as new_ids:  # server-side: memory stays flat
        new_ids.execute("SELECT id FROM import_staging ORDER BY row")
        while ids := [row[0] for row in new_ids.fetchmany(LINK_ROWS)]:
            _link_cameras(ids)
            linked += len(ids)
            progress("linked", linked, created)
    return created


def _check_planner_scope(user) -> None:
    """A planner bound to regions imports only projects touching them; otherwise everything rolls back."""
    region_ids = user_region_ids(user) if user_role(user) == Profile.Role.PLANNER else []
    if not region_ids:
        return
    statement = Sql("SELECT s.row FROM import_staging s WHERE NOT EXISTS ("
                    "SELECT 1 FROM import_shares l WHERE l.project_id = s.id "
                    "AND l.region_id = ANY(%(region_ids)s)) ORDER BY 1 LIMIT %(limit)s",
                    {"region_ids": region_ids, "limit": MAX_REPORTED_ROWS})
    rows = [row[0] for row in statement.fetchall()]
    if rows:
        raise OutOfScopeRows([{"row": row, "errors": {"geometry": [_("The project lies outside your regions.")]}}
                              for row in rows])


def _link_cameras(ids: list[int]) -> None:
    """Announce the new projects, so that cameras whose field of view covers them link to them."""
    projects_geometry_changed.send(sender=Project, project_ids=ids)
