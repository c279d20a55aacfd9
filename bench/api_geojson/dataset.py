"""The bench database: real regions, one agency and N synthetic projects, made in SQL in seconds."""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import psycopg

from bench.common import REPO, VENV_BIN, database_url

DB_NAME = "geotrack_bench"
REGIONS_FILE = REPO / "data" / "kz" / "kz_adm1_simplified.geojson"
KZ_BBOX = (46.5, 40.6, 87.3, 55.4)  # minlon, minlat, maxlon, maxlat
# The columns geotrack's list, pygeoapi and plain DRF-GIS all return (geotrack adds health, region, agency).
LIST_FIELDS = ("title", "status", "sector", "kind", "physical_progress", "financial_progress", "planned_start",
               "planned_end", "budget", "currency", "is_public", "updated_at", "version")

STATUSES = ("identification", "preparation", "implementation", "completion", "maintenance",
            "decommissioning", "decommissioned", "cancelled")
SECTORS = ("transport", "energy", "water", "housing", "health", "education", "industry", "mining",
           "oil_gas", "agriculture", "digital", "social")

# 70% points, 30% octagons 500 m across; uniform over Kazakhstan's bbox.
_PROJECTS_SQL = """
INSERT INTO projects_project (
    title, description, sector, kind, geom, agency_id, budget, currency, planned_start, planned_end,
    status, physical_progress, financial_progress, is_public, source_url, created_at, updated_at, version)
SELECT 'Bench project ' || g, '', (%(sectors)s::text[])[1 + floor(random() * %(n_sectors)s)::int],
    CASE WHEN random() < 0.5 THEN 'investment' ELSE 'infrastructure' END,
    CASE WHEN g %% 10 < 7 THEN ST_SetSRID(ST_MakePoint(x, y), 4326)
         ELSE ST_Buffer(ST_SetSRID(ST_MakePoint(x, y), 4326)::geography, 250, 'quad_segs=2')::geometry END,
    %(agency)s, round((random() * 1e10)::numeric, 2), 'KZT', start, start + 90 + (random() * 1000)::int,
    (%(statuses)s::text[])[1 + floor(random() * %(n_statuses)s)::int],
    round((random() * 100)::numeric, 2), round((random() * 100)::numeric, 2), true, '', now(), now(), 1
FROM (
    SELECT g, %(minlon)s + random() * (%(maxlon)s - %(minlon)s) AS x,
        %(minlat)s + random() * (%(maxlat)s - %(minlat)s) AS y,
        date '2023-01-01' + (random() * 1000)::int AS start
    FROM generate_series(1, %(n)s) g
) s
"""

# Point in polygon is enough: every project gets the regions it intersects, the first is primary.
_LINK_REGIONS_SQL = """
WITH links AS (
    INSERT INTO projects_projectregion (project_id, region_id, share)
    SELECT p.id, r.id, 1.0 FROM projects_project p JOIN projects_region r ON ST_Intersects(r.boundary, p.geom)
    RETURNING project_id, region_id
)
UPDATE projects_project p SET region_id = first.region_id
FROM (SELECT project_id, min(region_id) AS region_id FROM links GROUP BY project_id) first
WHERE p.id = first.project_id
"""


def admin_connection(folder: Path) -> psycopg.Connection:
    return psycopg.connect(host=str(folder), dbname="postgres", user="postgres", autocommit=True)


def recreate_database(folder: Path, name: str | None = None) -> None:
    """Drop and create the database `name` with the extensions the migrations need (each bench has its own).

    Without a name, DB_NAME as it is at the call: the benches that share these helpers point it at their own.
    """
    name = name or DB_NAME
    with admin_connection(folder) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(host=str(folder), dbname=name, user="postgres", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
        conn.execute("CREATE EXTENSION pg_trgm")


def drop_database(folder: Path) -> None:
    with admin_connection(folder) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def migrate(folder: Path, name: str | None = None) -> None:
    name = name or DB_NAME  # as recreate_database
    env = {**os.environ, "DATABASE_URL": database_url(name, folder), "DJANGO_SETTINGS_MODULE": "geotrack.settings"}
    subprocess.run([str(VENV_BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"],
                   cwd=REPO, env=env, check=True, timeout=900)


def load_regions(conn: psycopg.Connection) -> None:
    features = json.loads(REGIONS_FILE.read_text())["features"]
    rows = [(f["properties"]["iso3166_2"], f["properties"]["name_kk"], f["properties"]["name_ru"],
             f["properties"]["name_en"], f["properties"]["type"], f["properties"].get("admin_centre") or "",
             json.dumps(f["geometry"])) for f in features]
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO projects_region (iso_code, kato_code, name_kk, name_ru, name_en, kind, admin_centre, "
            "boundary, boundary_simplified) SELECT %s, '', %s, %s, %s, %s, %s, g, g "
            "FROM ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326)) g", rows)


def load_agency(conn: psycopg.Connection) -> int:
    return conn.execute(
        "INSERT INTO projects_agency (code, name_kk, name_ru, name_en, kind) "
        "VALUES ('bench', 'Bench', 'Bench', 'Bench agency', 'ministry') RETURNING id").fetchone()[0]


def generate_projects(conn: psycopg.Connection, n: int, agency_id: int) -> None:
    minlon, minlat, maxlon, maxlat = KZ_BBOX
    conn.execute(_PROJECTS_SQL, {
        "n": n, "agency": agency_id, "sectors": list(SECTORS), "n_sectors": len(SECTORS),
        "statuses": list(STATUSES), "n_statuses": len(STATUSES),
        "minlon": minlon, "minlat": minlat, "maxlon": maxlon, "maxlat": maxlat,
    })


def build(folder: Path, n: int) -> None:
    """Drop and recreate geotrack_bench, migrate it and fill it with n projects."""
    started = time.perf_counter()
    recreate_database(folder)
    migrate(folder)
    migrated = time.perf_counter()
    with psycopg.connect(host=str(folder), dbname=DB_NAME, user="postgres", autocommit=True) as conn:
        load_regions(conn)
        generate_projects(conn, n, load_agency(conn))
        conn.execute(_LINK_REGIONS_SQL)
        conn.execute("VACUUM ANALYZE")
    print(f"  database {DB_NAME}: migrated in {migrated - started:.1f} s, "
          f"{n} projects generated and linked in {time.perf_counter() - migrated:.1f} s")
