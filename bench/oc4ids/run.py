"""The OC4IDS package against its own SQL floor.

Floor (defined here): the very SELECT the endpoint streams (`layers.exports.oc4ids.records_sql` for an
anonymous caller, its values quoted in), executed over one persistent psycopg connection with every row
fetched. Ours: `GET /api/exports/projects.oc4ids.json` through gunicorn (one worker), the whole streamed
body read over a fresh HTTP connection. Interleaved, one warm-up round, medians; prints the ratio beside
the target (<= 2x) and the worker's peak RSS.

    .venv/bin/python bench/oc4ids/run.py [--projects 100000] [--rounds 5]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.api_geojson import dataset  # noqa: E402
from bench.common import (REPO, VENV_BIN, database_url, free_port, http_get, interleaved, median,  # noqa: E402
                          peak_rss_mib, socket_dir, start_server, stop_server)

DB_NAME = "geotrack_bench_oc4ids"
TARGET = 2.0


def build(folder: Path, n: int) -> None:
    dataset.recreate_database(folder, DB_NAME)
    dataset.migrate(folder, DB_NAME)
    with psycopg.connect(host=str(folder), dbname=DB_NAME, user="postgres", autocommit=True) as conn:
        dataset.load_regions(conn)
        dataset.generate_projects(conn, n, dataset.load_agency(conn))
        conn.execute(dataset._LINK_REGIONS_SQL)
        # Two progress reports for every tenth project: the records carry metrics too.
        conn.execute("INSERT INTO projects_progressreport (reported_at, recorded_at, physical, financial, note, "
                     "project_id) SELECT now() - make_interval(days => k * 30), now(), 10 * k, 5 * k, '', p.id "
                     "FROM projects_project p, generate_series(1, 2) AS k WHERE p.id % 10 = 0")
        conn.execute("VACUUM ANALYZE")


def floor_statement(folder: Path, base_url: str) -> str:
    os.environ.update(DATABASE_URL=database_url(DB_NAME, folder), DJANGO_SETTINGS_MODULE="geotrack.settings")
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser

    from layers.exports.oc4ids import records_sql
    from projects.access import audience_for

    return records_sql(audience=audience_for(AnonymousUser()), base_url=base_url).inline()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-build", action="store_true", help="reuse the bench database")
    args = parser.parse_args()
    folder = socket_dir()
    if not args.no_build:
        print(f"building {DB_NAME} with {args.projects} projects ...", flush=True)
        build(folder, args.projects)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    statement = floor_statement(folder, base_url)
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "CONN_MAX_AGE"}}
    env.update(DATABASE_URL=database_url(DB_NAME, folder), DEBUG="0", OC4IDS_SYNC_MAX=str(10 * args.projects),
               OC4IDS_RATE="1000000", PYTHONPATH=str(REPO), DJANGO_SETTINGS_MODULE="geotrack.settings")
    server = start_server("geotrack-oc4ids", [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers",
                                              "1", "--timeout", "900", "geotrack.wsgi:application"],
                          port=port, env=env, ready_path="/healthz")
    floor_conn = psycopg.connect(host=str(folder), dbname=DB_NAME, user="postgres")
    counts = {}

    def floor() -> float:
        started = time.perf_counter()
        with floor_conn.cursor() as cursor:
            cursor.execute(statement)
            rows = cursor.fetchall()
        floor_conn.rollback()
        counts["floor"] = len(rows)
        return time.perf_counter() - started

    def ours() -> float:
        reply = http_get(server.url("/api/exports/projects.oc4ids.json"), timeout=900)
        if reply.status != 200:
            raise RuntimeError(reply.body[:500])
        counts["ours"] = len(json.loads(reply.body)["projects"])
        return reply.seconds

    try:
        times = interleaved({"SQL floor": floor, "geotrack": ours}, rounds=args.rounds, warmup=1)
        rss = peak_rss_mib(server.workers)
    finally:
        stop_server(server)
        floor_conn.close()
        if not args.keep:
            with dataset.admin_connection(folder) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    assert counts["floor"] == counts["ours"], counts
    floor_s, ours_s = median(times["SQL floor"]), median(times["geotrack"])
    print(f"\nOC4IDS package of {counts['ours']} public projects ({args.projects} in all), {args.rounds} rounds, medians:")
    print(f"  SQL floor {floor_s:.2f} s, geotrack {ours_s:.2f} s, ratio {ours_s / floor_s:.2f}x (target <= {TARGET}x)"
          f" {'ok' if ours_s / floor_s <= TARGET else 'MISSED'}; worker peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
