"""MVT figures: geotrack's /tiles/projects/z/x/y.mvt beside the raw SQL floor and the HTTP floor.

The SQL is captured from layers.tiles.tile_bytes() in this process (Django pointed at the bench
database), so the floors run the exact text geotrack sends to PostgreSQL.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import mapbox_vector_tile
import psycopg

from bench.api_geojson import servers
from bench.common import REPO, VENV_BIN, WORK, Server, free_port, http_get, interleaved, median, start_server
from bench.tiles_and_pages.data import DB_NAME

Tile = tuple[int, int, int]
KINDS = ("sql", "floor", "geotrack")


def tile_sql(tile: Tile, layer: str = "projects") -> str:
    """The exact SQL text geotrack runs for an anonymous caller's tile."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from layers.tiles import tile_bytes
    from projects.access import Audience

    z, x, y = tile
    with CaptureQueriesContext(connection) as captured:
        tile_bytes(layer=layer, z=z, x=x, y=y, audience=Audience())
    return [query["sql"] for query in captured.captured_queries if "ST_AsMVT" in query["sql"]][-1]


def key(tile: Tile) -> str:
    return "/%d/%d/%d" % tile


def start_floor(folder: Path, sql_by_tile: dict[str, str]) -> Server:
    """gunicorn, 2 sync workers, serving floor_app.py over the captured SQL."""
    WORK.mkdir(parents=True, exist_ok=True)
    sql_file = WORK / "tiles-floor-sql.json"
    sql_file.write_text(json.dumps(sql_by_tile))
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "FLOOR_SQL_FILE": str(sql_file),
           "FLOOR_DSN": f"host={folder} dbname={DB_NAME} user=postgres options='-c jit=off'"}
    argv = [str(VENV_BIN / "gunicorn"), *servers.gunicorn_options(port), "bench.tiles_and_pages.floor_app:application"]
    return start_server("tiles-floor", argv, port=port, env=env, ready_path=next(iter(sql_by_tile)))


def decoded(body: bytes) -> dict[str, list[str]]:
    """Features per layer as sorted canonical JSON: ST_AsMVT's byte order varies with row order."""
    layers = mapbox_vector_tile.decode(body)
    return {name: sorted(json.dumps([f.get("id"), f["properties"], f["geometry"]], sort_keys=True)
                         for f in layer["features"]) for name, layer in layers.items()}


def fetch(url: str) -> bytes:
    reply = http_get(url)
    if reply.status != 200:
        raise RuntimeError(f"{url} answered {reply.status}: {reply.body[:300]!r}")
    return reply.body


class Runners:
    """One timed call per (kind, tile); the SQL floor runs over one persistent connection."""

    def __init__(self, conn: psycopg.Connection, sql: dict[str, str], floor: Server, geotrack: Server) -> None:
        self.conn, self.sql, self.floor, self.geotrack = conn, sql, floor, geotrack

    def url(self, kind: str, tile: Tile) -> str:
        if kind == "floor":
            return self.floor.url(key(tile))
        return self.geotrack.url("/tiles/projects%s.mvt" % key(tile))

    def body(self, kind: str, tile: Tile) -> bytes:
        if kind == "sql":
            return bytes(self.conn.execute(self.sql[key(tile)]).fetchone()[0])
        return fetch(self.url(kind, tile))

    def timer(self, kind: str, tile: Tile) -> Callable[[], float]:
        def run() -> float:
            started = time.perf_counter()
            self.body(kind, tile)
            return time.perf_counter() - started
        if kind == "sql":
            return run
        url = self.url(kind, tile)
        return lambda: http_get(url).seconds


def check_same(runners: Runners, tiles: list[Tile]) -> None:
    """Print features per tile and prove the three answers decode to the same features."""
    for tile in tiles:
        answers = {kind: runners.body(kind, tile) for kind in KINDS}
        features = {kind: decoded(body) for kind, body in answers.items()}
        same = features["sql"] == features["floor"] == features["geotrack"]
        counts = ", ".join(f"{name} {len(items)}" for name, items in features["geotrack"].items()) or "empty"
        sizes = "/".join(f"{len(answers[kind]) / 1024:.1f}" for kind in KINDS)
        print(f"  tile z{tile[0]}/{tile[1]}/{tile[2]}: {counts} features; KiB sql/floor/geotrack {sizes}; "
              f"decoded features identical: {'yes' if same else 'NO'}")
        if not same:
            raise RuntimeError(f"tile {tile}: the three answers differ")


def bench(conn: psycopg.Connection, sql: dict[str, str], floor: Server, geotrack: Server, tiles: list[Tile],
          rounds: int) -> dict[int, dict[str, float]]:
    """Time sql, floor and geotrack for every tile, interleaved; print per-zoom medians and ratios."""
    runners = Runners(conn, sql, floor, geotrack)
    check_same(runners, tiles)
    jobs = {(kind, tile): runners.timer(kind, tile) for tile in tiles for kind in KINDS}
    times = interleaved(jobs, rounds=rounds, warmup=3)
    per_zoom: dict[int, dict[str, float]] = {}
    for zoom in sorted({tile[0] for tile in tiles}):
        chosen = [tile for tile in tiles if tile[0] == zoom]
        # Per zoom: the sum over its tiles of each tile's median (a client loads all of them).
        sums = {kind: sum(median(times[(kind, tile)]) for tile in chosen) for kind in KINDS}
        per_zoom[zoom] = sums
        detail = "  ".join(f"{kind} {1000 * sums[kind] / len(chosen):.2f}" for kind in KINDS)
        print(f"  z{zoom} ({len(chosen)} tiles) median ms per tile: {detail}   "
              f"geotrack/SQL {sums['geotrack'] / sums['sql']:.2f}   "
              f"geotrack/HTTP-floor {sums['geotrack'] / sums['floor']:.2f} (target <= 1.2)   "
              f"HTTP-floor/SQL {sums['floor'] / sums['sql']:.2f}")
    return per_zoom
