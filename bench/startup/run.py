"""Start-up cost of a `manage.py` process against the interpreter alone.

The floor (defined here): `python -c pass`, the same interpreter of `.venv` starting and exiting. Measured
against it, each as a separate process, interleaved (every process once in every round) after a warm-up
round:
- for reference, importing only what an import cannot start without (settings, GeoDjango's models, the
  PostgreSQL backend, pyarrow, shapely, pyproj, pyogrio);
- `setup`: `python -c "import django; django.setup()"` with geotrack's settings;
- `help`: `manage.py import_projects --help` (settings, apps, the command's own imports; no database);
- with `--import` (needs the project-local cluster): `manage.py import_projects FILE --user bench` of a
  10-point GeoJSON into its own database `geotrack_bench_startup`, beside `ogr2ogr -f PostgreSQL` of the
  same file (the floor of bench/imports), so the start-up share of a small import shows.
With `--baseline DIR` (another checkout, e.g. `git worktree add --detach DIR main`), the same processes
also run from DIR with this checkout's interpreter, interleaved with ours: before and after in one run.
Prints the median wall time of each, its ratio to the floor, the child's median CPU time (user + system,
steadier than wall time on a busy machine) and the load average beside every round.

    .venv/bin/python bench/startup/run.py [--rounds 9] [--import] [--baseline DIR] [--keep]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import REPO, VENV_BIN, database_url, median  # noqa: E402

DB_NAME = "geotrack_bench_startup"
PYTHON = str(VENV_BIN / "python")
SETUP = "import django; django.setup()"
# What an import cannot start without: the settings, GeoDjango's models and GDAL, the PostgreSQL backend, and
# the readers (projects/imports/reader.py). A reference below which start-up cannot go without a smaller import.
NEEDED = ("from django.conf import settings; settings.INSTALLED_APPS; import django.contrib.gis.db.models, "
          "django.db.backends.postgresql.base, pyarrow, shapely, pyproj, pyogrio")


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one child process, which must exit 0."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    error = process.stderr.read()  # a short message at most; read before waiting so the pipe never fills
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command[:4]} failed:\n{error.decode()[-3000:]}")
    return seconds, usage.ru_utime + usage.ru_stime


def geojson(path: Path, n: int = 10) -> Path:
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [66 + i, 48.0]},
                 "properties": {"title": f"Startup {i}", "sector": "energy", "agency": "bench",
                                "status": "implementation", "physical_progress": 10, "is_public": True}}
                for i in range(n)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def build_database(folder: Path) -> None:
    """geotrack_bench_startup: migrated, with real regions, the agency `bench` and the superuser `bench`."""
    from bench.imports.run import build

    build(folder, DB_NAME)


def imported(folder: Path) -> int:
    import psycopg

    with psycopg.connect(host=str(folder), dbname=DB_NAME, user="postgres", autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM projects_project").fetchone()[0]


def clean(folder: Path) -> None:
    import psycopg

    with psycopg.connect(host=str(folder), dbname=DB_NAME, user="postgres", autocommit=True) as conn:
        conn.execute("TRUNCATE projects_projectregion, projects_progressreport, projects_historicalproject, "
                     "projects_project CASCADE")
        conn.execute("DROP TABLE IF EXISTS import_floor")


def measured(source: Path | None, folder: Path | None,
             checkouts: dict[str, Path]) -> list[list[tuple[str, list[str], Path]]]:
    """Groups of (name, argv, working directory): the references first, then one group per checkout."""
    references = [("floor: python -c pass", [PYTHON, "-c", "pass"], REPO),
                  ("what an import needs, imported", [PYTHON, "-c", NEEDED], REPO)]
    if source is not None:
        ogr2ogr = ["ogr2ogr", "-f", "PostgreSQL", f"PG:dbname={DB_NAME} host={folder} user=postgres", str(source),
                   "-nln", "import_floor", "-overwrite"]
        references.append(("ogr2ogr of 10 rows", ogr2ogr, REPO))
    groups = [references]
    for label, checkout in checkouts.items():
        group = [(f"django.setup(){label}", [PYTHON, "-c", SETUP], checkout),
                 (f"import_projects --help{label}", [PYTHON, "manage.py", "import_projects", "--help"], checkout)]
        if source is not None:
            group.append((f"import_projects of 10 rows{label}",
                          [PYTHON, "manage.py", "import_projects", str(source), "--user", "bench"], checkout))
        groups.append(group)
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--import", dest="with_import", action="store_true",
                        help="also time a 10-row import_projects and ogr2ogr (needs the local cluster)")
    parser.add_argument("--baseline", type=Path,
                        help="another checkout (e.g. a worktree of main) whose processes run interleaved with ours")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "geotrack.settings"}
    checkouts = {"": REPO}
    if args.baseline:
        checkouts[" [baseline]"] = args.baseline.resolve()
    folder = scratch = source = None
    if args.with_import:
        from bench.common import socket_dir

        folder = socket_dir()
        print(f"building {DB_NAME} ...", flush=True)
        build_database(folder)
        env["DATABASE_URL"] = database_url(DB_NAME, folder)
        scratch = Path(tempfile.mkdtemp(prefix="geotrack-bench-startup-"))
        source = geojson(scratch / "startup.geojson")
    references, *checkout_groups = measured(source, folder, checkouts)
    times: dict[str, list[float]] = {name: [] for group in (references, *checkout_groups) for name, _, _ in group}
    cpu: dict[str, list[float]] = {name: [] for name in times}
    print("columns: " + " | ".join(times), flush=True)
    try:
        for number in range(args.rounds + 1):  # round 0 warms the page cache and is not counted
            # Checkouts take turns going first, so that neither always runs on caches the other warmed.
            turn = checkout_groups[number % len(checkout_groups):] + checkout_groups[:number % len(checkout_groups)]
            seconds_by_name = {}
            for name, command, cwd in [*references, *(entry for group in turn for entry in group)]:
                if folder is not None and "10 rows" in name:
                    clean(folder)
                seconds_by_name[name], cpu_seconds = timed(command, env, cwd)
                if number:
                    cpu[name].append(cpu_seconds)
                if name.startswith("import_projects of") and imported(folder) != 10:
                    raise RuntimeError(f"{name} did not write the 10 projects")
            for name, seconds in seconds_by_name.items():
                if number:
                    times[name].append(seconds)
            line = " ".join(f"{seconds_by_name[name]:.3f}" for name in times)
            print(f"  round {number}{' (warm-up)' if not number else ''}: {line}  [load {load()}]", flush=True)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        if folder is not None and not args.keep:
            from bench.api_geojson import dataset

            with dataset.admin_connection(folder) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    floor = median(times["floor: python -c pass"])
    print(f"\nstart-up, medians of {args.rounds} interleaved rounds (load average at the end: {load()})"
          + (f"; baseline: {checkouts[' [baseline]']}" if args.baseline else "") + ":")
    print(f"{'process':<41}{'median s':>9}{'x floor':>9}{'- floor s':>11}{'CPU s':>8}")
    for name, values in times.items():
        value = median(values)
        print(f"{name:<41}{value:>9.3f}{value / floor:>8.1f}x{value - floor:>11.3f}{median(cpu[name]):>8.3f}")
    print("(CPU s: the child's user + system CPU, median; ogr2ogr's excludes PostgreSQL's, as ours does)")


if __name__ == "__main__":
    main()
