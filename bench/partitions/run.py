"""Monthly partitioning of the two largest tables: progress reports and snapshots (docs/scaling.md).

Builds, in a scratch database of the project-local cluster, the same rows twice: in plain tables shaped
like projects_progressreport / camera_sites_snapshot (same columns that matter, same indexes), and in
tables partitioned by month (PARTITION BY RANGE on reported_at / captured_at, one partition per month,
the same indexes on the parent). Then times, interleaved, median of ROUNDS rounds, the queries that the
dashboard, the alerts and the camera pages run against these tables, and retention (deleting a month
against dropping its partition). Prints ratios partitioned / unpartitioned (below 1: partitioning helps).

    .venv/bin/python bench/partitions/run.py [--rows 10000000] [--rounds 5]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import psycopg  # noqa: E402

from bench.common import interleaved, median, socket_dir  # noqa: E402

DB_NAME = "geotrack_bench_partitions"
MONTHS = 36  # 2023-01 .. 2025-12: the programme's first three years
START = "2023-01-01"

SCHEMA = """
CREATE TABLE plain_report (id bigserial PRIMARY KEY, project_id int NOT NULL, reported_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL, physical numeric(5,2) NOT NULL, financial numeric(5,2) NOT NULL, note text);
CREATE TABLE part_report (id bigserial, project_id int NOT NULL, reported_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL, physical numeric(5,2) NOT NULL, financial numeric(5,2) NOT NULL, note text,
    PRIMARY KEY (id, reported_at)) PARTITION BY RANGE (reported_at);
CREATE TABLE plain_snapshot (id bigserial PRIMARY KEY, camera_id int NOT NULL, captured_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL, image varchar(100) NOT NULL);
CREATE TABLE part_snapshot (id bigserial, camera_id int NOT NULL, captured_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL, image varchar(100) NOT NULL,
    PRIMARY KEY (id, captured_at)) PARTITION BY RANGE (captured_at);
"""

INDEXES = """
CREATE INDEX ON {report} (project_id, reported_at DESC);
CREATE INDEX ON {report} (recorded_at);
CREATE INDEX ON {snapshot} (camera_id, captured_at DESC);
"""


def partitions(conn) -> None:
    for month in range(MONTHS):
        for table in ("part_report", "part_snapshot"):
            conn.execute(f"""CREATE TABLE {table}_m{month:02d} PARTITION OF {table}
                FOR VALUES FROM ('{START}'::date + interval '{month} months')
                TO ('{START}'::date + interval '{month + 1} months')""")


def build(rows: int, projects: int, cameras: int) -> None:
    with psycopg.connect(host=str(socket_dir()), dbname="postgres", user="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    with psycopg.connect(host=str(socket_dir()), dbname=DB_NAME, user="postgres", autocommit=True) as conn:
        conn.execute(SCHEMA)
        partitions(conn)
        span = f"interval '{MONTHS} months'"
        start = time.monotonic()
        conn.execute(f"""INSERT INTO plain_report (project_id, reported_at, recorded_at, physical, financial, note)
            SELECT 1 + (g % {projects}), t, t, (g % 10000) / 100.0, (g % 9000) / 100.0, ''
            FROM generate_series(1, {rows}) g,
                 LATERAL (SELECT '{START}'::timestamptz + {span} * ((g - 1)::float8 / {rows})) AS x(t)""")
        conn.execute(f"""INSERT INTO plain_snapshot (camera_id, captured_at, received_at, image)
            SELECT 1 + (g % {cameras}), t, t, 'snapshots/x.jpg'
            FROM generate_series(1, {rows}) g,
                 LATERAL (SELECT '{START}'::timestamptz + {span} * ((g - 1)::float8 / {rows})) AS x(t)""")
        conn.execute("INSERT INTO part_report SELECT * FROM plain_report")
        conn.execute("INSERT INTO part_snapshot SELECT * FROM plain_snapshot")
        for report, snapshot in (("plain_report", "plain_snapshot"), ("part_report", "part_snapshot")):
            conn.execute(INDEXES.format(report=report, snapshot=snapshot))
        conn.execute("VACUUM ANALYZE")
        print(f"built {rows:,} reports and {rows:,} snapshots twice in {time.monotonic() - start:.0f} s")


# The queries (shapes of projects/selectors, geotrack/site/alerts and camera_sites/selectors), "now" being the
# last month of the data.
NOW = f"'{START}'::timestamptz + interval '{MONTHS} months' - interval '1 day'"
QUERIES = {
    "dashboard: latest report of 2,000 projects": """
        SELECT DISTINCT ON (project_id) project_id, physical, financial FROM {report}
        WHERE project_id <= 2000 ORDER BY project_id, reported_at DESC""",
    "alerts: projects reported in the last 60 days": f"""
        SELECT count(DISTINCT project_id) FROM {{report}} WHERE reported_at >= {NOW} - interval '60 days'""",
    "charts: monthly mean progress of the last 12 months": f"""
        SELECT date_trunc('month', reported_at), avg(physical) FROM {{report}}
        WHERE reported_at >= {NOW} - interval '12 months' GROUP BY 1""",
    "camera page: 50 latest snapshots of a camera": f"""
        SELECT id, captured_at FROM {{snapshot}} WHERE camera_id = 17 AND captured_at <= {NOW}
        ORDER BY captured_at DESC LIMIT 50""",
    "camera page: one day of a camera": f"""
        SELECT count(*) FROM {{snapshot}} WHERE camera_id = 17
        AND captured_at >= {NOW} - interval '30 days' AND captured_at < {NOW} - interval '29 days'""",
    "project progress history (all time)": """
        SELECT reported_at, physical FROM {report} WHERE project_id = 4242 ORDER BY reported_at DESC""",
}


def timed(conn, sql: str):
    def run() -> float:
        start = time.perf_counter()
        conn.execute(sql).fetchall()
        return time.perf_counter() - start
    return run


def retention(conn) -> tuple[float, float]:
    """Remove the oldest month: DELETE from the plain table against DETACH + DROP of a partition."""
    start = time.perf_counter()
    conn.execute(f"DELETE FROM plain_snapshot WHERE captured_at < '{START}'::date + interval '1 month'")
    plain = time.perf_counter() - start
    start = time.perf_counter()
    conn.execute("ALTER TABLE part_snapshot DETACH PARTITION part_snapshot_m00")
    conn.execute("DROP TABLE part_snapshot_m00")
    part = time.perf_counter() - start
    return plain, part


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--cameras", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    build(args.rows, args.projects, args.cameras)
    with psycopg.connect(host=str(socket_dir()), dbname=DB_NAME, user="postgres", autocommit=True) as conn:
        conn.execute("SET jit = off")
        print(f"{'query':55} {'plain ms':>9} {'part ms':>9} {'ratio':>6}")
        for name, sql in QUERIES.items():
            runners = {"plain": timed(conn, sql.format(report="plain_report", snapshot="plain_snapshot")),
                       "part": timed(conn, sql.format(report="part_report", snapshot="part_snapshot"))}
            times = interleaved(runners, rounds=args.rounds)
            plain, part = median(times["plain"]) * 1000, median(times["part"]) * 1000
            print(f"{name:55} {plain:9.2f} {part:9.2f} {part / plain:6.2f}")
        plain, part = retention(conn)
        print(f"{'retention: remove the oldest month of snapshots':55} {plain * 1000:9.1f} {part * 1000:9.1f} "
              f"{part / plain:6.3f}")
    if not args.keep:
        with psycopg.connect(host=str(socket_dir()), dbname="postgres", user="postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
