"""The SQL of a bulk import: each batch staged with COPY on two connections, then written set-based."""
from __future__ import annotations

import pyarrow as pa

STAGED = ("row", "title", "description", "sector", "kind", "status", "agency_id", "region_id", "physical_progress",
          "financial_progress", "budget", "currency", "planned_start", "planned_end", "actual_start", "actual_end",
          "is_public", "source_url", "geom")
# Arrow types of the staged columns that are not text (Arrow then writes them as PostgreSQL reads them).
STAGED_TYPES = {"agency_id": pa.int64(), "region_id": pa.int64(), "physical_progress": pa.decimal128(5, 2),
                "financial_progress": pa.decimal128(5, 2), "budget": pa.decimal128(18, 2), "is_public": pa.bool_(),
                **{name: pa.date32() for name in ("planned_start", "planned_end", "actual_start", "actual_end")}}
# The batch's columns after its id, the same on both connections (so that COPY's binary format fits).
_BATCH_COLUMNS = """
    row integer NOT NULL, title varchar(300), description text, sector varchar(20), kind varchar(20),
    status varchar(20), agency_id bigint, region_id bigint, physical_progress numeric(5,2),
    financial_progress numeric(5,2), budget numeric(18,2), currency varchar(3), planned_start date,
    planned_end date, actual_start date, actual_end date, is_public boolean, source_url varchar(500),
    geom geometry(Geometry, 4326)"""
# The regions' connection (its own transaction, which writes nothing and is rolled back at the end) stages each
# batch, gives its rows their ids and derives their regions, against the boundaries the import's connection
# sees (sent over with COPY: a region written by the import's still open transaction counts too). It answers
# the batch with its ids, its region shares and primary regions (BATCH_TABLES), which the import's connection
# reads with COPY.
# The ids come from the projects' own sequence (nextval is not undone by a rollback, so they stay unique),
# named once (the DO block): a default that called pg_get_serial_sequence would look the sequence up in
# pg_depend for every row COPY writes (~5 us a row).
REGIONS_STAGING_SQL = f"""
CREATE TEMP TABLE import_batch (id bigint NOT NULL, {_BATCH_COLUMNS});
DO $$ BEGIN
    EXECUTE format('ALTER TABLE import_batch ALTER COLUMN id SET DEFAULT nextval(%L::regclass)',
                   pg_get_serial_sequence('projects_project', 'id'));
END $$;
CREATE TEMP TABLE import_regions (id bigint NOT NULL, boundary geometry(MultiPolygon, 4326) NOT NULL)
"""
BOUNDARIES_COPY_OUT = "COPY (SELECT id, boundary FROM projects_region) TO STDOUT"
BOUNDARIES_COPY_IN = "COPY import_regions (id, boundary) FROM STDIN"
REGIONS_DONE_SQL = """
DROP TABLE import_hits, import_shares, import_primary;
DROP INDEX import_batch_geom;
TRUNCATE import_batch
"""
CREATED_SQL = "CREATE TEMP TABLE import_created (id bigint NOT NULL, row integer NOT NULL) ON COMMIT DROP"
# On the import's connection: one batch at a time (emptied before the next), as the regions' connection
# answered it; import_created keeps every new project's id.
STAGING_SQL = f"""
CREATE TEMP TABLE import_batch (id bigint NOT NULL, {_BATCH_COLUMNS}) ON COMMIT DROP;
{CREATED_SQL};
CREATE TEMP TABLE import_shares (project_id bigint NOT NULL, region_id bigint NOT NULL, share double precision)
    ON COMMIT DROP;
CREATE INDEX ON import_shares (project_id);
CREATE TEMP TABLE import_primary (project_id bigint NOT NULL, region_id bigint NOT NULL) ON COMMIT DROP;
CREATE UNIQUE INDEX ON import_primary (project_id)
"""
# (the regions' connection's COPY TO, the import's connection's COPY FROM) of each table a batch is sent in, in
# PostgreSQL's binary format (the same server on both ends; columns cast to the receiving table's types).
BATCH_TABLES = tuple((f"COPY (SELECT {selected} FROM {table}) TO STDOUT (FORMAT binary)",
                      f"COPY {table} ({columns}) FROM STDIN (FORMAT binary)")
                     for table, columns, selected in (
                         ("import_batch", ", ".join(("id", *STAGED)), ", ".join(("id", *STAGED))),
                         ("import_shares", "project_id, region_id, share",
                          "project_id::bigint, region_id::bigint, share::double precision"),
                         ("import_primary", "project_id, region_id", "project_id::bigint, region_id::bigint")))
CREATED_ROWS_SQL = "INSERT INTO import_created (id, row) SELECT id, row FROM import_batch"
BATCH_DONE_SQL = f"""
{CREATED_ROWS_SQL};
TRUNCATE import_batch, import_shares, import_primary
"""
# When no second connection can be opened (the server refused it: too many clients, say), the import's own
# connection stages and derives each batch as the regions' connection would, in the same tables, reading the
# boundaries where they are; after each batch's writes, LOCAL_BATCH_DONE_SQL. Slower (one backend does
# everything), never different.
LOCAL_STAGING_SQL = f"""
{REGIONS_STAGING_SQL};
{CREATED_SQL};
INSERT INTO import_regions (id, boundary) SELECT id, boundary FROM projects_region
"""
LOCAL_SHARES_INDEX_SQL = "CREATE INDEX ON import_shares (project_id)"  # as STAGING_SQL's (counted_insert reads it)
LOCAL_BATCH_DONE_SQL = f"""
{CREATED_ROWS_SQL};
{REGIONS_DONE_SQL}
"""
# Every temporary table of an import, on either connection (dropped at the end even inside an outer transaction,
# where ON COMMIT DROP does not fire).
TEMP_TABLES = ("import_batch", "import_created", "import_shares", "import_primary", "import_hits", "import_regions",
               "import_region_parts")
# Every project, its first history row (as django-simple-history's bulk_create_with_history writes it:
# type '+', the import's user and time, no change reason) and, where the file gives progress, a progress
# report; one statement each, in the file's order.
# Regions, derived as projects.services.projects_assign_regions derives them (every region a project
# touches, with its share of area, length or 1 for points; the nearest region for a project in none; the
# largest share is the primary region unless the file gave one), but set-based from the staging table and
# against boundaries cut into small parts (ST_Subdivide) under a GiST index: a point is then tested against
# a part of a few hundred vertices instead of a region of hundreds of thousands. The parts of one region do
# not overlap, so areas and lengths summed over them are the region's.
REGION_PARTS_SQL = """
CREATE TEMP TABLE import_region_parts ON COMMIT DROP AS
    SELECT row_number() OVER () AS part_id, region_id, geom
    FROM (SELECT id AS region_id, ST_Subdivide(boundary, 256) AS geom FROM import_regions) parts;
CREATE INDEX ON import_region_parts USING gist (geom);
CREATE UNIQUE INDEX ON import_region_parts (part_id);
ANALYZE import_region_parts
"""
# Each part is the outer side of the join and the batch is searched under its own GiST index: PostGIS then
# prepares a part once for all the projects it meets (it caches a geometry given again and again), instead
# of converting a part for every project that meets it. OFFSET 0 keeps the planner from reordering.
REGION_SHARES_SQL = """
CREATE INDEX import_batch_geom ON import_batch USING gist (geom);
ANALYZE import_batch;
CREATE TEMP TABLE import_hits ON COMMIT DROP AS
    SELECT s.id AS project_id, p.region_id, p.part_id
    FROM import_region_parts p
    CROSS JOIN LATERAL (SELECT s.id FROM import_batch s WHERE ST_Intersects(p.geom, s.geom) OFFSET 0) s;
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
    FROM per_region r JOIN import_batch s ON s.id = r.project_id WHERE r.regions > 1
), nearest AS (
    SELECT s.id AS project_id, n.region_id, 1.0 AS share
    FROM import_batch s
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
CREATE UNIQUE INDEX ON import_primary (project_id)
"""
# A planner bound to regions imports only projects touching them.
OUT_OF_SCOPE_SQL = """
SELECT s.row FROM import_batch s
WHERE NOT EXISTS (SELECT 1 FROM import_shares l WHERE l.project_id = s.id AND l.region_id = ANY(%(region_ids)s))
ORDER BY 1 LIMIT %(limit)s
"""
WRITE_REGIONS_SQL = """
INSERT INTO projects_projectregion (project_id, region_id, share)
SELECT project_id, region_id, COALESCE(share, 1.0) FROM import_shares ORDER BY project_id, region_id
"""
WRITE_PROJECTS_SQL = """
INSERT INTO projects_project (id, title, description, sector, kind, geom, budget, currency, planned_start,
    planned_end, actual_start, actual_end, status, physical_progress, financial_progress, last_report_at,
    is_public, source_url, archived_at, created_at, updated_at, version, agency_id, region_id)
SELECT s.id, title, description, sector, kind, geom, budget, currency, planned_start, planned_end, actual_start,
    actual_end, status, COALESCE(physical_progress, 0), COALESCE(financial_progress, 0),
    CASE WHEN physical_progress IS NOT NULL OR financial_progress IS NOT NULL THEN %(now)s END,
    is_public, source_url, NULL, %(now)s, %(now)s, 1, agency_id, COALESCE(s.region_id, b.region_id)
FROM import_batch s LEFT JOIN import_primary b ON b.project_id = s.id ORDER BY s.row
"""
# The history row is the project as created, before regions were derived (as bulk_create_with_history
# then projects_assign_regions left it): the region only where the file gave one.
WRITE_HISTORY_SQL = """
INSERT INTO projects_historicalproject (id, title, description, sector, kind, geom, budget, currency,
    planned_start, planned_end, actual_start, actual_end, status, is_public, source_url, archived_at, created_at,
    updated_at, version, history_date, history_change_reason, history_type, agency_id, history_user_id, region_id,
    history_effective_at)
SELECT id, title, description, sector, kind, geom, budget, currency, planned_start, planned_end, actual_start,
    actual_end, status, is_public, source_url, NULL, %(now)s, %(now)s, 1, %(now)s, NULL, '+', agency_id,
    %(user_id)s, region_id, %(now)s
FROM import_batch ORDER BY row
"""
WRITE_REPORTS_SQL = """
INSERT INTO projects_progressreport (reported_at, recorded_at, physical, financial, note, author_id, project_id)
SELECT %(now)s, %(now)s, COALESCE(physical_progress, 0), COALESCE(financial_progress, 0), %(note)s, %(user_id)s, id
FROM import_batch WHERE physical_progress IS NOT NULL OR financial_progress IS NOT NULL ORDER BY row
"""
