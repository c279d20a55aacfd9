"""Bulk import against its floor: `import_projects` of a file vs `ogr2ogr -f PostgreSQL` of the same file.

The floor (defined here): Debian's `ogr2ogr -f PostgreSQL PG:... FILE -nln import_floor -overwrite`, which
reads the file with GDAL and writes one plain table with COPY (PG_USE_COPY, its default) and a GiST index;
nothing is validated, no region, history, progress report or camera link is written. Ours: `manage.py
import_projects FILE --user bench` with every rule. Both run as separate processes against the same
database, interleaved (floor, ours, floor, ours, ...), after a warm-up round; between rounds the imported
projects are removed. Files are GeoPackages of points and of small polygons inside Kazakhstan, written by
ogr2ogr from generate_series. Prints medians, the ratio beside the target (<= 5x) and our peak RSS.
bench/imports/README.md says how an import runs, where its time goes and what was tried.

    .venv/bin/python bench/imports/run.py [--sizes 100000 1000000] [--rounds 5] [--rounds-large 1]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.api_geojson import dataset  # noqa: E402
from bench.common import REPO, VENV_BIN, database_url, median, socket_dir  # noqa: E402

DB_NAME = "geotrack_bench_imports"
TARGET = 5.0
KINDS = {
    "points": "ST_SetSRID(ST_MakePoint(66 + 12 * random(), 45 + 5 * random()), 4326)",
    "polygons": "ST_SetSRID(ST_Expand(ST_MakePoint(66 + 12 * random(), 45 + 5 * random()), 0.005), 4326)",
}


def connect(folder: Path) -> psycopg.Connection:
    return psycopg.connect(host=str(folder), dbname=DB_NAME, user="postgres", autocommit=True)


def build(folder: Path, name: str = DB_NAME) -> None:
    """The database `name`, migrated, with the 20 regions of data/kz, one agency `bench` and a superuser `bench`."""
    dataset.recreate_database(folder, name)
    dataset.migrate(folder, name)
    with psycopg.connect(host=str(folder), dbname=name, user="postgres", autocommit=True) as conn:
        dataset.load_regions(conn)
        dataset.load_agency(conn)
        conn.execute("INSERT INTO auth_user (username, password, is_superuser, first_name, last_name, email, is_staff, "
                     "is_active, date_joined) VALUES ('bench', '!', true, '', '', '', true, true, now())")
        conn.execute("VACUUM ANALYZE")


def write_file(folder: Path, work: Path, kind: str, n: int) -> Path:
    target = work / f"{kind}-{n}.gpkg"
    sql = (f"SELECT 'Project ' || i AS title, (ARRAY['energy','education','social','health'])[1 + i % 4] AS sector, "
           f"'bench' AS agency, 'implementation' AS status, (i % 101) AS physical_progress, "
           f"(i % 97) AS financial_progress, 1000 + i AS budget, DATE '2025-01-01' + (i % 300) AS planned_start, "
           f"DATE '2026-01-01' + (i % 300) AS planned_end, (i % 2 = 0) AS is_public, {KINDS[kind]} AS geom "
           f"FROM generate_series(1, {n}) AS i")
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(target), f"PG:dbname={DB_NAME} host={folder} user=postgres",
                    "-sql", sql, "-nln", "projects", "-gt", "65536"], check=True, capture_output=True, timeout=3600)
    return target


def clean(folder: Path) -> None:
    with connect(folder) as conn:
        conn.execute("TRUNCATE projects_projectregion, projects_progressreport, projects_historicalproject, "
                     "projects_project CASCADE")
        conn.execute("DROP TABLE IF EXISTS import_floor")
        conn.execute("CHECKPOINT")


def timed(command: list[str], env: dict) -> tuple[float, int]:
    """Seconds and peak RSS (kB) of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    error = process.stderr.read().decode()[-3000:]
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command[:3]} failed:\n{error}")
    return seconds, usage.ru_maxrss


def run(folder: Path, source: Path, rounds: int) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url(DB_NAME, folder), "DJANGO_SETTINGS_MODULE": "geotrack.settings",
           "IMPORT_MAX_FEATURES": "5000000"}
    floor = ["ogr2ogr", "-f", "PostgreSQL", f"PG:dbname={DB_NAME} host={folder} user=postgres", str(source),
             "-nln", "import_floor", "-overwrite"]
    ours = [str(VENV_BIN / "python"), "manage.py", "import_projects", str(source), "--user", "bench"]
    times = {"floor": [], "ours": []}
    rss = []
    for number in range(rounds + 1):  # the first round warms caches and is not counted
        clean(folder)
        floor_s, _ = timed(floor, env)
        clean(folder)
        ours_s, ours_kb = timed(ours, env)
        with connect(folder) as conn:
            count = conn.execute("SELECT count(*) FROM projects_project").fetchone()[0]
        if count == 0:
            raise RuntimeError("the import wrote nothing")
        if number:
            times["floor"].append(floor_s)
            times["ours"].append(ours_s)
            rss.append(ours_kb)
        print(f"  round {number}{' (warm-up)' if not number else ''}: floor {floor_s:.2f} s, ours {ours_s:.2f} s, "
              f"peak RSS {ours_kb / 1024:.0f} MB", flush=True)
    clean(folder)
    return {"floor": median(times["floor"]), "ours": median(times["ours"]), "rss_mb": max(rss) / 1024,
            "rounds": rounds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--kinds", nargs="+", default=list(KINDS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rounds-large", type=int, default=5, help="rounds for sizes of 1M and more")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--write-files", type=Path, metavar="DIR",
                        help="only build the bench database and write the files into DIR, both kept "
                             "(for statements.py)")
    args = parser.parse_args()
    folder = socket_dir()
    work = Path(tempfile.mkdtemp(prefix="geotrack-bench-imports-"))
    print(f"building {DB_NAME} ...", flush=True)
    build(folder)
    if args.write_files:
        args.write_files.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            for kind in args.kinds:
                print(write_file(folder, args.write_files, kind, n))
        return
    results = []
    try:
        for n in args.sizes:
            for kind in args.kinds:
                source = write_file(folder, work, kind, n)
                rounds = args.rounds_large if n >= 1_000_000 else args.rounds
                print(f"{kind} x {n} ({source.stat().st_size / 1e6:.0f} MB GeoPackage), {rounds} rounds:", flush=True)
                results.append((kind, n, run(folder, source, rounds)))
                source.unlink()
    finally:
        if not args.keep:
            with dataset.admin_connection(folder) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    print("\nimport_projects vs ogr2ogr -f PostgreSQL (medians):")
    print(f"{'file':<20}{'rounds':>7}{'floor s':>10}{'ours s':>10}{'ratio':>8}{'target':>8}{'peak RSS':>10}")
    for kind, n, result in results:
        ratio = result["ours"] / result["floor"]
        print(f"{kind + ' x ' + str(n):<20}{result['rounds']:>7}{result['floor']:>10.2f}{result['ours']:>10.2f}"
              f"{ratio:>7.2f}x{'<= ' + str(TARGET) + 'x':>8}{result['rss_mb']:>8.0f} MB"
              f"  {'ok' if ratio <= TARGET else 'MISSED'}")


if __name__ == "__main__":
    main()
