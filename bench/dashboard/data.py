"""The bench database geotrack_bench_dashboard: 45 agencies, 117 roadmap items, N projects, ~10 reports each.

It reuses bench/api_geojson/dataset.py (recreate, migrate, regions, the generate_series project INSERT)
and bench/tiles_and_pages/data.py (a persistent connection with jit off), pointed at our own database.
Secondary indexes are dropped during the bulk writes and rebuilt from their own definitions.
"""
from __future__ import annotations

import time
from pathlib import Path

import psycopg

from bench.api_geojson import dataset, servers
from bench.tiles_and_pages import data as tiles_data

DB_NAME = "geotrack_bench_dashboard"
# The colleagues' helpers read these module globals at call time; point them at our database.
dataset.DB_NAME = servers.DB_NAME = tiles_data.DB_NAME = DB_NAME

AGENCIES = 45
ITEMS = 117
REPORTS_PER_PROJECT = 10
REPORT_STEP_DAYS = 100    # report k is dated 2024-01-01 + (k - 1) * 100 days + a per-project jitter ...
REPORT_JITTER_DAYS = 155  # ... so the latest falls between 2026-06 and 2026-11-20
# Report numbers in an order that spans the whole period early, in case the time budget stops us.
REPORT_ORDER = (10, 5, 1, 8, 3, 6, 2, 9, 4, 7)
PUBLIC_SHARE = 0.8

_AGENCIES_SQL = """
INSERT INTO projects_agency (code, name_kk, name_ru, name_en, kind)
SELECT 'bench-' || g, 'Агенттік ' || g, 'Ведомство ' || g, 'Agency ' || g,
    (ARRAY['ministry', 'akimat', 'national_company', 'other'])[1 + g %% 4]
FROM generate_series(1, %(n)s) g
"""

# Deadlines spread evenly from 2023-09-01 to 2029-12-31: about half have passed on 2026-11-26.
_ITEMS_SQL = """
INSERT INTO projects_roadmapitem (number, title_kk, title_ru, title_en, section, agency_id, start, deadline)
SELECT g, 'Жол картасы тармағы ' || g, 'Пункт дорожной карты ' || g, 'Roadmap item ' || g,
    (ARRAY['fair_state', 'fair_economy', 'fair_society'])[1 + g %% 3],
    a.ids[1 + g %% array_length(a.ids, 1)],
    date '2023-01-01' + (g %% 120),
    date '2023-09-01' + ((g - 1) * (date '2029-12-31' - date '2023-09-01') / GREATEST(%(n)s - 1, 1))
FROM generate_series(1, %(n)s) g, (SELECT array_agg(id ORDER BY id) AS ids FROM projects_agency) a
"""

# Every project on one item, every second project on a second, different one.
_ITEM_LINKS_SQL = """
INSERT INTO projects_project_roadmap_items (project_id, roadmapitem_id)
SELECT p.id, i.ids[1 + (p.id * 7919) % i.n] FROM projects_project p,
    (SELECT array_agg(id ORDER BY number) AS ids, count(*)::int AS n FROM projects_roadmapitem) i
UNION ALL
SELECT p.id, i.ids[1 + (p.id * 7919 + 1 + p.id % 50) % i.n] FROM projects_project p,
    (SELECT array_agg(id ORDER BY number) AS ids, count(*)::int AS n FROM projects_roadmapitem) i
WHERE p.id % 2 = 0
"""

# One point-in-polygon join (the project geom GiST index exists by then); projects in the bbox
# but outside Kazakhstan get a region picked from their id, so that every project has one.
_REGION_LINKS_SQL = """
INSERT INTO projects_projectregion (project_id, region_id, share)
SELECT p.id, r.id, 1.0 FROM projects_project p JOIN projects_region r ON ST_Intersects(r.boundary, p.geom)
"""
_REGION_FALLBACK_SQL = """
INSERT INTO projects_projectregion (project_id, region_id, share)
SELECT p.id, r.ids[1 + p.id % array_length(r.ids, 1)], 1.0
FROM projects_project p, (SELECT array_agg(id ORDER BY id) AS ids FROM projects_region) r
WHERE NOT EXISTS (SELECT 1 FROM projects_projectregion x WHERE x.project_id = p.id)
"""

# Report k of n: physical and financial rise linearly to the project's generated values.
_REPORTS_SQL = """
INSERT INTO projects_progressreport (project_id, reported_at, recorded_at, physical, financial, note,
                                     author_id, supersedes_id)
SELECT p.id, t.at, t.at + interval '2 hours',
    round(p.physical_progress * %(k)s / %(n)s, 2), round(p.financial_progress * %(k)s / %(n)s, 2), '', NULL, NULL
FROM projects_project p
CROSS JOIN LATERAL (SELECT timestamptz '2024-01-01 10:00+05'
    + make_interval(days => ((%(k)s - 1) * %(step)s + (p.id * 37) %% %(jitter)s)::int) AS at) t
"""

# The one UPDATE: each project takes its latest report's values (as services.progress_report_add
# keeps them), plus its agency, public flag and primary region.
_LATEST_SQL = """
UPDATE projects_project p SET physical_progress = l.physical, financial_progress = l.financial,
    last_report_at = l.reported_at, agency_id = a.ids[1 + p.id %% array_length(a.ids, 1)],
    is_public = random() < %(public)s,
    region_id = (SELECT min(pr.region_id) FROM projects_projectregion pr WHERE pr.project_id = p.id)
FROM (SELECT DISTINCT ON (project_id) project_id, physical, financial, reported_at
      FROM projects_progressreport ORDER BY project_id, reported_at DESC, id DESC) l,
     (SELECT array_agg(id ORDER BY id) AS ids FROM projects_agency) a
WHERE p.id = l.project_id
"""

_SECONDARY_INDEXES_SQL = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
WHERE i.indrelid = %s::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1
"""


def connect(folder: Path) -> psycopg.Connection:
    return tiles_data.connect(folder)


def secondary_indexes(conn: psycopg.Connection, table: str) -> dict[str, str]:
    """Return {name: CREATE INDEX ...} of a table's indexes that back no constraint."""
    return dict(conn.execute(_SECONDARY_INDEXES_SQL, [table]).fetchall())


def drop_indexes(conn: psycopg.Connection, indexes: dict[str, str]) -> None:
    for name in indexes:
        conn.execute(f"DROP INDEX IF EXISTS {name}")


def create_indexes(conn: psycopg.Connection, indexes: dict[str, str]) -> None:
    for definition in indexes.values():
        conn.execute(definition)


def create(folder: Path) -> None:
    """Drop and create the database, migrate it, and load regions, agencies and roadmap items."""
    started = time.perf_counter()
    dataset.recreate_database(folder)
    dataset.migrate(folder)
    with connect(folder) as conn:
        dataset.load_regions(conn)
        conn.execute(_AGENCIES_SQL, {"n": AGENCIES})
        conn.execute(_ITEMS_SQL, {"n": ITEMS})
        regions = conn.execute("SELECT count(*) FROM projects_region").fetchone()[0]
        past = conn.execute("SELECT count(*) FROM projects_roadmapitem WHERE deadline < current_date").fetchone()[0]
    print(f"  database {DB_NAME}: migrated, {regions} regions, {AGENCIES} agencies, {ITEMS} roadmap items "
          f"({past} with a past deadline) in {time.perf_counter() - started:.1f} s")


def clear_projects(folder: Path) -> None:
    with connect(folder) as conn:
        conn.execute("TRUNCATE projects_project, projects_progressreport, projects_projectregion, "
                     "projects_project_roadmap_items RESTART IDENTITY CASCADE")


def _tune(conn: psycopg.Connection) -> None:
    """Session settings for bulk writes; replica role skips FK triggers (our own keys are consistent)."""
    for setting in ("synchronous_commit = off", "work_mem = '256MB'", "maintenance_work_mem = '1GB'",
                    "session_replication_role = replica"):
        conn.execute(f"SET {setting}")


def _reports(conn: psycopg.Connection, budget_s: float) -> int:
    """Insert report batches (one report number for every project each) until done or out of budget."""
    started, done = time.perf_counter(), 0
    for batch, k in enumerate(REPORT_ORDER, 1):
        batch_started = time.perf_counter()
        conn.execute(_REPORTS_SQL, {"k": k, "n": REPORTS_PER_PROJECT, "step": REPORT_STEP_DAYS,
                                    "jitter": REPORT_JITTER_DAYS})
        done = batch
        elapsed = time.perf_counter() - started
        if batch < len(REPORT_ORDER) and elapsed + (time.perf_counter() - batch_started) > budget_s:
            print(f"  !! report generation stopped after {batch} of {len(REPORT_ORDER)} reports per project "
                  f"({elapsed:.0f} s; budget {budget_s:.0f} s): FEWER than {REPORTS_PER_PROJECT} per project")
            break
    return done


def build(folder: Path, n: int, *, reports_budget_s: float = 360.0, quiet: bool = False) -> dict:
    """Generate n projects with links, regions and ~10 reports each; derive their latest values; analyse."""
    t = {"start": time.perf_counter()}
    with connect(folder) as conn:
        _tune(conn)
        project_indexes = secondary_indexes(conn, "projects_project")
        report_indexes = secondary_indexes(conn, "projects_progressreport")
        drop_indexes(conn, {**project_indexes, **report_indexes})
        agency = conn.execute("SELECT min(id) FROM projects_agency").fetchone()[0]
        tiles_data._insert(conn, n, agency, dataset.KZ_BBOX)  # the shared generate_series INSERT
        t["projects"] = time.perf_counter()
        geom_index = {k: v for k, v in project_indexes.items() if "gist (geom)" in v}
        create_indexes(conn, geom_index)
        conn.execute(_REGION_LINKS_SQL)
        in_polygon = conn.execute("SELECT count(DISTINCT project_id) FROM projects_projectregion").fetchone()[0]
        conn.execute(_REGION_FALLBACK_SQL)
        drop_indexes(conn, geom_index)
        conn.execute(_ITEM_LINKS_SQL)
        t["links"] = time.perf_counter()
        per_project = _reports(conn, reports_budget_s)
        t["reports"] = time.perf_counter()
        create_indexes(conn, report_indexes)
        conn.execute(_LATEST_SQL, {"public": PUBLIC_SHARE})
        t["update"] = time.perf_counter()
        create_indexes(conn, project_indexes)
        t["indexes"] = time.perf_counter()
        conn.execute("SET session_replication_role = origin")
        conn.execute("VACUUM ANALYZE")
        t["vacuum"] = time.perf_counter()
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM projects_project), (SELECT count(*) FROM projects_progressreport), "
            "(SELECT count(*) FROM projects_project_roadmap_items), (SELECT count(*) FROM projects_project "
            "WHERE is_public), (SELECT min(reported_at)::date || '..' || max(reported_at)::date "
            "FROM projects_progressreport)").fetchone()
    if not quiet:
        print(f"  {counts[0]} projects ({counts[3] / counts[0]:.0%} public, {in_polygon / counts[0]:.0%} placed by "
              f"point-in-polygon, the rest by id), {counts[2]} roadmap links: generated in "
              f"{t['projects'] - t['start']:.1f} s, regions and item links {t['links'] - t['projects']:.1f} s")
        print(f"  {counts[1]} progress reports ({per_project} per project, {counts[4]}) in "
              f"{t['reports'] - t['links']:.1f} s; latest-report UPDATE (+ report indexes) "
              f"{t['update'] - t['reports']:.1f} s; project indexes {t['indexes'] - t['update']:.1f} s; "
              f"VACUUM ANALYZE {t['vacuum'] - t['indexes']:.1f} s")
    return {"projects": counts[0], "reports": counts[1], "per_project": per_project}
