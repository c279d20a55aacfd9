"""Tiles and pages benchmark: MVT against its SQL and HTTP floors, /map/ bytes, first render at 1M.

Run: .venv/bin/python bench/tiles_and_pages/run.py [--rounds 7] [--loads 5] [--no-mvt-1m] [--keep-db]
Never run in CI. See bench/tiles_and_pages/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import re
import signal
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.tiles_and_pages import data  # noqa: E402  (first: it points the shared helpers at our database)
from bench.api_geojson import dataset, servers  # noqa: E402
from bench.api_geojson.run import setup_django  # noqa: E402
from bench.common import Server, socket_dir, stop_server  # noqa: E402
from bench.tiles_and_pages import mvt, pages  # noqa: E402

ZOOMS = (6, 10, 14)
SMALL = 300


class Timeout(Exception):
    pass


def explain(conn, sql: str, title: str) -> None:
    """Print EXPLAIN (ANALYZE, BUFFERS) of one statement."""
    rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()
    print(f"  EXPLAIN ANALYZE, {title}:")
    for (line,) in rows:
        print("    " + line)


def regions_sql() -> str:
    """The SQL behind /api/regions/ for an anonymous caller (the map's first fetch)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.access import Audience
    from projects.selectors import regions_geojson

    with CaptureQueriesContext(connection) as captured:
        regions_geojson(audience=Audience(), language="en")
    return captured.captured_queries[-1]["sql"]


def run(folder: Path, args: argparse.Namespace, running: dict[str, Server]) -> None:
    medium, large = args.medium, args.large
    agency = data.create(folder)
    data.grow(folder, agency, SMALL)
    running["geotrack"] = servers.start_geotrack(folder)
    print(f"  geotrack on 127.0.0.1:{running['geotrack'].port} (gunicorn, 2 sync workers, DEBUG off)")
    small_page = pages.map_page(running["geotrack"])

    tiles = data.city_tiles(ZOOMS)
    sql = {mvt.key(tile): mvt.tile_sql(tile) for tile in tiles}
    running["floor"] = mvt.start_floor(folder, sql)
    print(f"  HTTP floor on 127.0.0.1:{running['floor'].port} (gunicorn, 2 sync workers, floor_app.py)")
    with data.connect(folder) as conn:
        print(f"\n== MVT at N = {medium} ==")
        data.grow(folder, agency, medium)
        mvt.bench(conn, sql, running["floor"], running["geotrack"], tiles, args.rounds)

        print(f"\n== N = {large} ==")
        data.grow(folder, agency, large)
        pages.print_page_ratio(small_page, pages.map_page(running["geotrack"]), SMALL, large)
        if not args.no_mvt_1m:
            print(f"  MVT at N = {large}:")
            mvt.bench(conn, sql, running["floor"], running["geotrack"], tiles, args.rounds)
        last = None
        try:
            last = pages.print_first_render(pages.first_render(running["geotrack"], args.loads), large)
        finally:
            if not args.no_explain:
                diagnose(conn, last)


def diagnose(conn, last: dict | None) -> None:
    """Time each country-view tile's SQL alone, then EXPLAIN the slowest tile and /api/regions/."""
    names = [entry["name"] for entry in last["tiles"]] if last else []
    tiles = sorted({tuple(int(part) for part in re.search(r"/tiles/projects/(\d+)/(\d+)/(\d+)\.mvt", name).groups())
                    for name in names}) or [data.tile_of(*data.CITIES["Astana"], 5)]
    seconds = {}
    for tile in tiles:
        sql = mvt.tile_sql(tile)
        started = time.perf_counter()
        conn.execute(sql).fetchone()
        seconds[tile] = time.perf_counter() - started
    slowest = max(seconds, key=seconds.get)
    print(f"  country view: {len(tiles)} distinct project tiles; their SQL alone, one at a time: sum "
          f"{sum(seconds.values()):.2f} s, slowest z%d/%d/%d {seconds[slowest]:.2f} s" % slowest)
    started = time.perf_counter()
    conn.execute(regions_sql()).fetchone()
    print(f"  /api/regions/ SQL alone: {time.perf_counter() - started:.2f} s")
    explain(conn, mvt.tile_sql(slowest), "slowest country-view tile z%d/%d/%d" % slowest)
    explain(conn, regions_sql(), "/api/regions/ (anonymous)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed MVT rounds, after 3 warm-up rounds")
    parser.add_argument("--loads", type=int, default=5, help="timed browser loads, after 1 warm-up load")
    parser.add_argument("--medium", type=int, default=100_000, help="projects for the first MVT timings")
    parser.add_argument("--large", type=int, default=1_000_000, help="projects for the page and browser figures")
    parser.add_argument("--no-mvt-1m", action="store_true", help="skip the MVT timings at 1M projects")
    parser.add_argument("--no-explain", action="store_true", help="skip EXPLAIN ANALYZE at the end")
    parser.add_argument("--max-minutes", type=int, default=30, help="abort (and clean up) after this long")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {data.DB_NAME} at the end")
    return parser.parse_args()


def _abort(signum, frame) -> None:
    raise Timeout("the benchmark ran out of time (--max-minutes)")


def main() -> int:
    args = parse_args()
    folder = socket_dir()
    setup_django(folder)
    signal.signal(signal.SIGALRM, _abort)
    signal.alarm(args.max_minutes * 60)
    running: dict[str, Server] = {}
    try:
        run(folder, args, running)
    finally:
        signal.alarm(0)
        for server in running.values():
            stop_server(server)
        if not args.keep_db:
            from django.db import connection

            connection.close()
            dataset.drop_database(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
