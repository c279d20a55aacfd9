"""Per-request cost: a 20-feature /api/projects/?bbox= and a z14 MVT tile against the HTTP floor.

Run: .venv/bin/python bench/request_cost/run.py [--n 100000] [--rounds 5] [--seconds 5] [--keep-db]
Never run in CI. See bench/request_cost/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.api_geojson import dataset, servers  # noqa: E402
from bench.common import (VENV_BIN, WORK, Server, database_url, free_port, http_get, interleaved,  # noqa: E402
                          median, socket_dir, start_server, stop_server, wrk_requests_per_second)
from bench.tiles_and_pages import data  # noqa: E402

DB_NAME = "geotrack_bench_request"
dataset.DB_NAME = servers.DB_NAME = data.DB_NAME = DB_NAME  # the shared helpers read these at call time
TARGET = 0.5  # geotrack's req/s at least half the floor's


def setup_django(folder: Path) -> None:
    os.environ["DATABASE_URL"] = database_url(DB_NAME, folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geotrack.settings")
    import django

    django.setup()


def captured_statements(path: str) -> list[str]:
    """Every statement geotrack sends to PostgreSQL for an anonymous GET of path (in this process).

    Each is captured with its values and merged into one literal statement by psycopg (geotrack
    binds some on the server, where the text alone has $n placeholders); psycopg on the floor's
    connection prepares a statement it is sent repeatedly, as geotrack's does.
    """
    import psycopg
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.get(path)  # warm: caches, prepared lookups
    captured: list[tuple[str, object]] = []

    def record(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    merge = psycopg.ClientCursor(connection.connection)
    return [merge.mogrify(sql, params) for sql, params in captured]


def small_bbox(conn, n: int) -> str:
    from bench.api_geojson.run import fit_bbox

    return fit_bbox(conn, n, 18, 22).param


def start_floor(folder: Path, routes: dict) -> Server:
    WORK.mkdir(parents=True, exist_ok=True)
    sql_file = WORK / "request-floor-sql.json"
    sql_file.write_text(json.dumps(routes))
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "FLOOR_SQL_FILE": str(sql_file),
           "FLOOR_DSN": f"host={folder} dbname={DB_NAME} user=postgres options='-c jit=off'"}
    argv = [str(VENV_BIN / "gunicorn"), *servers.gunicorn_options(port), "bench.request_cost.floor_app:application"]
    return start_server("request-floor", argv, port=port, env=env, ready_path=next(iter(routes)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="projects in the bench database")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved wrk rounds (median reported)")
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per run")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--reuse-db", action="store_true", help="use geotrack_bench_request as it is")
    args = parser.parse_args()
    folder = socket_dir()
    setup_django(folder)
    running: list[Server] = []
    try:
        if not args.reuse_db:
            agency = data.create(folder)
            data.grow(folder, agency, args.n)
        else:
            dataset.migrate(folder)  # a kept database follows the code's migrations
        with data.connect(folder) as conn:
            bbox = small_bbox(conn, args.n)
        z, x, y = data.tile_of(*data.CITIES["Almaty"], 14)
        paths = {"bbox": f"/api/projects/?bbox={bbox}", "mvt": f"/tiles/projects/{z}/{x}/{y}.mvt"}
        routes = {}
        for name, path in paths.items():
            statements = captured_statements(path)
            kind = "application/geo+json" if name == "bbox" else "application/vnd.mapbox-vector-tile"
            routes["/" + name] = [kind, statements]
            print(f"  {name}: {path} -> {len(statements)} statement(s) for an anonymous caller")
        geotrack = servers.start_geotrack(folder)
        running.append(geotrack)
        floor = start_floor(folder, routes)
        running.append(floor)
        for name, path in paths.items():
            ours, base = http_get(geotrack.url(path)).body, http_get(floor.url("/" + name)).body
            if name == "bbox":
                a, b = json.loads(ours)["features"], json.loads(base)
                print(f"  bbox: geotrack {len(a)} features, floor {len(b)}; same features: {a == b}")
                assert a == b, "the floor and geotrack return different features"
            else:
                print(f"  mvt z{z}: geotrack {len(ours)} bytes, floor {len(base)}; identical: {ours == base}")
        runners = {}
        for name, path in paths.items():
            runners[f"floor {name}"] = lambda u=floor.url("/" + name): wrk_requests_per_second(u, seconds=args.seconds)
            runners[f"geotrack {name}"] = lambda u=geotrack.url(path): wrk_requests_per_second(u, seconds=args.seconds)
        rates = interleaved(runners, rounds=args.rounds, warmup=1)
        print(f"\n  wrk -t1 -c4 -d{args.seconds}s, {args.rounds} interleaved rounds, median req/s [min..max]:")
        for name in paths:
            ours, base = median(rates[f"geotrack {name}"]), median(rates[f"floor {name}"])
            print(f"  {name:5s} floor {base:7.0f} [{min(rates[f'floor {name}']):.0f}..{max(rates[f'floor {name}']):.0f}]"
                  f"  geotrack {ours:7.0f} [{min(rates[f'geotrack {name}']):.0f}..{max(rates[f'geotrack {name}']):.0f}]"
                  f"  geotrack/floor {ours / base:.2f} (target >= {TARGET})")
    finally:
        for server in running:
            stop_server(server)
        if not args.keep_db and not args.reuse_db:
            dataset.drop_database(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
