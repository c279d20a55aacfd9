"""Exports of 100k projects over HTTP against `ogr2ogr -gt 65536` from the same SQL; import rows/s.

    .venv/bin/python bench/exports/run.py [--projects 100000] [--rounds 5] [--keep] [--reuse]

Builds its own database, geotrack_bench_exports, in the project-local cluster (dropped at the
end unless --keep; --reuse takes the one a --keep run left), starts geotrack under gunicorn
(2 sync workers, 127.0.0.1), then runs, in turn, A B A B ...: our GPKG and SHP exports over HTTP,
and ogr2ogr writing the same SQL (the statements geotrack builds, taken from geotrack's own code)
straight from PostgreSQL. Finally it imports 100k rows (a GeoPackage written by ogr2ogr) with
`import_projects`.

The floors, both timed as one `ogr2ogr` process from the same SQL, with nothing else counted:
- GPKG: `ogr2ogr -f GPKG` of the layer's statement.
- SHP: `ogr2ogr -f "ESRI Shapefile"` writing the bare Shapefile set (one Shapefile per geometry
  type, from the same VRT geotrack writes) into a folder: no zip. The target (<= 1.3x) is against
  this floor, so our zipping, counting and HTTP all count against us. For reference the bench
  also times GDAL writing the same deliverable, a zip (`ogr2ogr -f "ESRI Shapefile" x.shp.zip`,
  GDAL >= 3.1, which deflates at zlib's default level after writing the set), and prints our
  ratio to it on its own line; that line has no target.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import psycopg  # noqa: E402

from bench.api_geojson import dataset  # noqa: E402
from bench.common import REPO, VENV_BIN, database_url, free_port, interleaved, median, socket_dir, start_server, \
    stop_server  # noqa: E402

DB_NAME = "geotrack_bench_exports"


def build(folder: Path, n: int) -> None:
    dataset.recreate_database(folder, DB_NAME)
    dataset.migrate(folder, DB_NAME)
    with psycopg.connect(host=str(folder), dbname=DB_NAME, user="postgres", autocommit=True) as conn:
        dataset.load_regions(conn)
        dataset.generate_projects(conn, n, dataset.load_agency(conn))
        conn.execute(dataset._LINK_REGIONS_SQL)
        conn.execute("VACUUM ANALYZE")


def database_exists(folder: Path) -> bool:
    with dataset.admin_connection(folder) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone() is not None


def floor_commands(folder: Path, work: Path) -> dict[str, list[str]]:
    """Ask geotrack's own code for the statements, then give them to a bare ogr2ogr."""
    os.environ.update(DATABASE_URL=database_url(DB_NAME, folder), DJANGO_SETTINGS_MODULE="geotrack.settings")
    import django

    django.setup()
    from django.http import QueryDict

    from layers.exports import gdal
    from layers.exports.layers import layer_query
    from projects.access import Audience

    query = layer_query(layer="projects", audience=Audience(), query=QueryDict())
    vrt = work / "floor.vrt"
    vrt.write_text(gdal._shapefile_vrt(query, gdal.shapefile_part_counts(query)), encoding="utf-8")
    return {
        "gpkg": ["-f", "GPKG", str(work / "floor.gpkg"), gdal.pg_connection_string(), "-sql", query.sql(),
                 "-nln", "projects", "-a_srs", "EPSG:4326", "-gt", "65536"],
        "shp": ["-f", "ESRI Shapefile", str(work / "floor-shp"), str(vrt), "-lco", "ENCODING=UTF-8", "-gt", "65536"],
        "shp.zip": ["-f", "ESRI Shapefile", str(work / "floor.shp.zip"), str(vrt), "-lco", "ENCODING=UTF-8",
                    "-gt", "65536"],
    }


def run_floor(arguments: list[str], target: Path) -> float:
    shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in {"PROJ_DATA", "PROJ_LIB"}}
    started = time.perf_counter()
    subprocess.run(["ogr2ogr", *arguments], check=True, capture_output=True, env={**env, "PG_LIST_ALL_TABLES": "NO"},
                   timeout=900)
    return time.perf_counter() - started


def run_http(url: str, target: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["curl", "-sf", "-o", str(target), url], check=True, timeout=900)
    return time.perf_counter() - started


def import_rate(folder: Path, work: Path, n: int) -> tuple[float, float]:
    """Write n rows to a GeoPackage with ogr2ogr, then time `import_projects` on it."""
    source = work / "import.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(source), f"PG:dbname={DB_NAME} host={folder} user=postgres", "-sql",
                    f"SELECT p.title, p.sector, p.kind, p.status, 'bench' AS agency, p.physical_progress, "
                    f"p.financial_progress, p.budget, p.planned_start, p.planned_end, p.is_public, p.geom "
                    f"FROM projects_project p ORDER BY id LIMIT {n}", "-nln", "projects", "-gt", "65536"],
                   check=True, capture_output=True, timeout=900)
    env = {**os.environ, "DATABASE_URL": database_url(DB_NAME, folder), "DJANGO_SETTINGS_MODULE": "geotrack.settings"}
    started = time.perf_counter()
    result = subprocess.run([str(VENV_BIN / "python"), "manage.py", "import_projects", str(source)], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return seconds, n / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--no-import", action="store_true", help="skip the import figure")
    parser.add_argument("--reuse", action="store_true", help="reuse the bench database a --keep run left")
    args = parser.parse_args()
    folder = socket_dir()
    work = Path(tempfile.mkdtemp(prefix="geotrack-bench-exports-"))
    if not (args.reuse and database_exists(folder)):
        print(f"building {DB_NAME} with {args.projects} projects ...")
        build(folder, args.projects)
    floors = floor_commands(folder, work)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "CONN_MAX_AGE"}}
    # The bench asks ~20 exports in minutes: lift the per-caller export rate (RATE_LIMITS) for its own server.
    env.update(DATABASE_URL=database_url(DB_NAME, folder), DEBUG="0", EXPORT_SYNC_MAX=str(10 * args.projects),
               EXPORT_RATE="100000", PYTHONPATH=str(REPO), DJANGO_SETTINGS_MODULE="geotrack.settings")
    server = start_server("geotrack-exports", [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers",
                                               "2", "--timeout", "900", "geotrack.wsgi:application"],
                          port=port, env=env, ready_path="/healthz")
    try:
        runners = {
            "geotrack gpkg": lambda: run_http(server.url("/api/exports/projects.gpkg"), work / "ours.gpkg"),
            "ogr2ogr gpkg": lambda: run_floor(floors["gpkg"], work / "floor.gpkg"),
            "geotrack shp.zip": lambda: run_http(server.url("/api/exports/projects.shp.zip"), work / "ours.zip"),
            "ogr2ogr shp": lambda: run_floor(floors["shp"], work / "floor-shp"),
            "ogr2ogr shp.zip": lambda: run_floor(floors["shp.zip"], work / "floor.shp.zip"),
        }
        times = interleaved(runners, rounds=args.rounds, warmup=1)
    finally:
        stop_server(server)
    print(f"\nexports of {args.projects} projects, {args.rounds} interleaved rounds (medians, seconds):")
    for name, values in times.items():
        print(f"  {name:18} {median(values):7.2f}   ({', '.join(f'{v:.2f}' for v in values)})")
    for fmt, floor, target in (("gpkg", "gpkg", "(target <= 1.3x)"),
                               ("shp.zip", "shp", "(target <= 1.3x; floor: the bare Shapefile set, no zip)"),
                               ("shp.zip", "shp.zip", "(no target; GDAL writing the zip itself)")):
        ratio = median(times[f"geotrack {fmt}"]) / median(times[f"ogr2ogr {floor}"])
        print(f"  ratio geotrack {fmt} / ogr2ogr {floor} -gt 65536: {ratio:.2f}x {target}")
    if not args.no_import:
        seconds, rate = import_rate(folder, work, args.projects)
        print(f"\nimport_projects of {args.projects} rows (GPKG, one transaction): {seconds:.1f} s, "
              f"{rate:,.0f} rows/s")
    shutil.rmtree(work, ignore_errors=True)
    if not args.keep:
        with dataset.admin_connection(folder) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main()
