"""GeoJSON list benchmark: geotrack's GET /api/projects/ beside the SQL floor, pygeoapi and plain DRF-GIS.

Run: .venv/bin/python bench/api_geojson/run.py [--n 10000 100000] [--rounds 7] [--no-wrk] [--keep-db]
Never run in CI. See bench/api_geojson/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from bench.api_geojson import dataset, servers  # noqa: E402
from bench.common import (Server, child_pids, database_url, http_get, interleaved, median,  # noqa: E402
                          peak_rss_mib, socket_dir, stop_server, wrk_requests_per_second)

LARGE_FEATURES = 10_000
SMALL_FEATURES = 20
ORDER = ("floor", "geotrack", "pygeoapi", "drf")


@dataclass(frozen=True)
class BBox:
    minlon: float
    minlat: float
    maxlon: float
    maxlat: float

    @property
    def param(self) -> str:
        return ",".join(f"{value:.4f}" for value in (self.minlon, self.minlat, self.maxlon, self.maxlat))


def centred_bbox(fraction: float) -> BBox:
    """A box around the centre of Kazakhstan's bbox, holding `fraction` of its area.

    Coordinates are rounded to 4 decimals, so that the SQL floor and the URLs use the same numbers.
    """
    minlon, minlat, maxlon, maxlat = dataset.KZ_BBOX
    half = math.sqrt(min(fraction, 1.0)) / 2
    lon, lat = (minlon + maxlon) / 2, (minlat + maxlat) / 2
    corners = (lon - half * (maxlon - minlon), lat - half * (maxlat - minlat),
               lon + half * (maxlon - minlon), lat + half * (maxlat - minlat))
    return BBox(*(round(value, 4) for value in corners))


def count_in(conn: psycopg.Connection, bbox: BBox) -> int:
    """How many projects an anonymous caller sees in the bbox."""
    return conn.execute(
        "SELECT count(*) FROM projects_project WHERE archived_at IS NULL AND is_public "
        "AND ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))",
        [bbox.minlon, bbox.minlat, bbox.maxlon, bbox.maxlat]).fetchone()[0]


def fit_bbox(conn: psycopg.Connection, n: int, low: int, high: int) -> BBox:
    """A centred bbox holding between low and high projects (the data are random, so aim and adjust)."""
    aim = (low + high) / 2
    fraction = aim / n
    for _ in range(10):
        bbox = centred_bbox(fraction)
        count = count_in(conn, bbox)
        if low <= count <= high or fraction >= 1.0:
            break
        fraction *= aim / count if count else 4.0
    return bbox


def setup_django(folder: Path) -> None:
    """Configure Django in this process only to reuse geotrack's SQL (health, _FEATURES_SQL)."""
    os.environ["DATABASE_URL"] = database_url(dataset.DB_NAME, folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geotrack.settings")
    import django

    django.setup()


def floor_sql(bbox: BBox, limit: int) -> tuple[str, dict]:
    """geotrack's own features SQL for an anonymous caller and one page, wrapped into the FeatureCollection."""
    from geotrack.core.sql import Sql
    from projects.selectors import project_features_sql

    page = Sql("SELECT v.id FROM projects_project v WHERE v.archived_at IS NULL AND v.is_public "
               "AND ST_Intersects(v.geom, ST_MakeEnvelope(%(minlon)s, %(minlat)s, %(maxlon)s, %(maxlat)s, 4326)) "
               "ORDER BY v.id LIMIT %(limit)s", {"minlon": bbox.minlon, "minlat": bbox.minlat, "maxlon": bbox.maxlon,
                                                 "maxlat": bbox.maxlat, "limit": limit})
    statement = Sql("SELECT '{\"type\": \"FeatureCollection\", \"features\": ' || f.body || '}' "
                    "FROM ({features}) f(body)").format(features=project_features_sql(page))
    return statement.text, dict(statement.params)


class Floor:
    """The SQL floor: one statement over one persistent psycopg connection, fetching the text."""

    def __init__(self, conn: psycopg.Connection, bbox: BBox, limit: int) -> None:
        self.conn = conn
        self.sql, self.params = floor_sql(bbox, limit)
        self.body = ""

    def run(self) -> float:
        started = time.perf_counter()
        self.body = self.conn.execute(self.sql, self.params).fetchone()[0]
        return time.perf_counter() - started


def list_urls(running: dict[str, Server], bbox: BBox, limit: int) -> dict[str, str]:
    return {
        "geotrack": running["geotrack"].url(f"/api/projects/?bbox={bbox.param}&page_size={limit}"),
        "pygeoapi": running["pygeoapi"].url(f"/collections/projects/items?bbox={bbox.param}&limit={limit}&f=json"),
        "drf": running["drf"].url(f"/api/projects/?in_bbox={bbox.param}&page_size={limit}"),
    }


def describe(name: str, body: bytes | str) -> str:
    """Feature count, total the server reports, and size of one answer."""
    data = json.loads(body)
    total = data.get("count", data.get("numberMatched", "-"))
    return f"{name} {len(data['features'])} (total {total}, {len(body) / 1e6:.2f} MB)"


def fetch_ok(url: str) -> bytes:
    reply = http_get(url)
    if reply.status != 200:
        raise RuntimeError(f"{url} answered {reply.status}: {reply.body[:500]!r}")
    return reply.body


def time_url(url: str) -> float:
    reply = http_get(url)
    if reply.status != 200:
        raise RuntimeError(f"{url} answered {reply.status}")
    return reply.seconds


def large_bbox_figures(conn: psycopg.Connection, n: int, running: dict[str, Server],
                       rounds: int) -> dict[str, float]:
    """Verify counts, then time floor, geotrack, pygeoapi, drf interleaved; return the medians."""
    bbox = fit_bbox(conn, n, int(LARGE_FEATURES * 0.97), LARGE_FEATURES)
    urls = list_urls(running, bbox, LARGE_FEATURES)
    floor = Floor(conn, bbox, LARGE_FEATURES)
    floor.run()
    answers = [describe("floor", floor.body)] + [describe(name, fetch_ok(url)) for name, url in urls.items()]
    print(f"  large bbox {bbox.param}, page size {LARGE_FEATURES}; features: " + "; ".join(answers))
    runners = {"floor": floor.run, **{name: (lambda url=url: time_url(url)) for name, url in urls.items()}}
    times = interleaved(runners, rounds=rounds, warmup=3)  # 3, so that both workers of each are warm
    medians = {name: median(times[name]) for name in ORDER}
    print(f"  median of {rounds} rounds (s) [min..max]: "
          + "  ".join(f"{name} {medians[name]:.3f} {spread(times[name], '.3f')}" for name in ORDER))
    print(f"  geotrack/floor {medians['geotrack'] / medians['floor']:.2f} (target <= 1.3)   "
          f"pygeoapi/geotrack {medians['pygeoapi'] / medians['geotrack']:.1f}   "
          f"drf/geotrack {medians['drf'] / medians['geotrack']:.1f}")
    return medians


def peak_rss(running: dict[str, Server], when: str) -> dict[str, float]:
    """Peak RSS (VmHWM) of each server's largest worker, in MiB."""
    peaks = {name: peak_rss_mib(child_pids(server.process.pid)) for name, server in running.items()}
    print(f"  peak worker RSS {when} (MiB): " + "  ".join(f"{name} {peaks[name]:.0f}" for name in running))
    return peaks


def small_bbox_figures(conn: psycopg.Connection, n: int, running: dict[str, Server], *, seconds: int,
                       rounds: int) -> dict[str, float]:
    """Requests/s under wrk -t1 -c4 on a bbox of ~20 features, servers interleaved round by round."""
    bbox = fit_bbox(conn, n, SMALL_FEATURES - 2, SMALL_FEATURES + 2)
    urls = list_urls(running, bbox, 100)
    print(f"  small bbox {bbox.param}; features: "
          + "; ".join(describe(name, fetch_ok(url)) for name, url in urls.items()))
    runners = {name: (lambda url=url: wrk_requests_per_second(url, seconds=seconds)) for name, url in urls.items()}
    rates = interleaved(runners, rounds=rounds, warmup=0)  # warm already: the large bbox ran first
    medians = {name: median(values) for name, values in rates.items()}
    print(f"  wrk -t1 -c4 -d{seconds}s, median of {rounds} (req/s): "
          + "  ".join(f"{name} {medians[name]:.0f} {spread(rates[name], '.0f')}" for name in urls))
    print(f"  geotrack/pygeoapi req/s {medians['geotrack'] / medians['pygeoapi']:.1f} (target >= 4)   "
          f"drf/pygeoapi {medians['drf'] / medians['pygeoapi']:.1f}")
    return medians


def spread(values: list[float], fmt: str) -> str:
    return f"[{min(values):{fmt}}..{max(values):{fmt}}]"


def start_all(folder: Path, running: dict[str, Server]) -> None:
    """Start the servers one by one into `running`, so that the caller can stop what started."""
    for name, start in (("geotrack", servers.start_geotrack), ("pygeoapi", servers.start_pygeoapi),
                        ("drf", servers.start_plain_drf)):
        running[name] = start(folder)
    print("  servers: " + ", ".join(f"{name} 127.0.0.1:{server.port}" for name, server in running.items()))


def bench_one(folder: Path, n: int, args: argparse.Namespace) -> dict[str, float]:
    """Build the database for n projects, start the servers, measure, and stop them all."""
    print(f"\n== N = {n} projects ==")
    dataset.build(folder, n)
    running: dict[str, Server] = {}
    conn = psycopg.connect(host=str(folder), dbname=dataset.DB_NAME, user="postgres", autocommit=True)
    try:
        start_all(folder, running)
        peak_rss(running, "after start-up")
        large_bbox_figures(conn, n, running, args.rounds)
        peaks = peak_rss(running, "after the large bbox")
        if not args.no_wrk:
            small_bbox_figures(conn, n, running, seconds=args.wrk_seconds, rounds=args.wrk_rounds)
    finally:
        conn.close()
        for server in running.values():
            stop_server(server)
    return peaks


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000], help="project counts")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds, after 3 warm-up rounds")
    parser.add_argument("--wrk-seconds", type=int, default=10, help="wrk duration per server")
    parser.add_argument("--wrk-rounds", type=int, default=3, help="interleaved wrk rounds per server")
    parser.add_argument("--no-wrk", action="store_true", help="skip the small-bbox wrk runs")
    parser.add_argument("--keep-db", action="store_true", help="keep geotrack_bench at the end")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    folder = socket_dir()
    setup_django(folder)
    peaks: dict[int, dict[str, float]] = {}
    try:
        for n in args.n:
            peaks[n] = bench_one(folder, n, args)
    finally:
        if not args.keep_db:
            dataset.drop_database(folder)
    if len(peaks) > 1:
        low, high = min(peaks), max(peaks)
        print(f"\ngeotrack peak worker RSS: {peaks[low]['geotrack']:.0f} MiB at N={low}, "
              f"{peaks[high]['geotrack']:.0f} MiB at N={high}, "
              f"ratio {peaks[high]['geotrack'] / peaks[low]['geotrack']:.2f} (target: flat)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
