"""Camera ingest benchmark: the simulator against gunicorn on 127.0.0.1, at rising snapshot rates.

Run: .venv/bin/python bench/camera_ingest/run.py [--rounds 5] [--seconds 20] [--workers 3] [--keep-db]
Never run in CI. It makes its own database (geotrack_bench_cameras) in the project-local cluster
and its own media folder under bench/.work/, and drops the database afterwards.

Each level runs `manage.py simulate_cameras` (a separate process, so the client's image drawing
does not share the server's interpreter) with N cameras posting every 10 s: N/10 snapshots/s,
plus a heartbeat per camera every 30 s. A level is sustainable when every snapshot and heartbeat
got 201/204 and the p99 snapshot latency is under 500 ms.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from bench.common import (VENV_BIN, WORK, database_url, free_port, median, socket_dir,  # noqa: E402
                          start_server, stop_server)

DB_NAME = "geotrack_bench_cameras"
INTERVAL_S = 10
TARGET_CAMERAS = 200  # 20 snapshots/s: the goal
RAMP_CAMERAS = (200, 400, 600, 800, 1000, 1200)
P99_LIMIT_MS = 500
LINE = re.compile(r"(?P<kind>snapshot|heartbeat)s: (?P<sent>\d+) sent \((?P<rate>[\d.]+)/s\), (?P<errors>\d+) errors, "
                  r"p50 (?P<p50>[\d.na]+) ms, p99 (?P<p99>[\d.na]+) ms")


def prepare_database(folder: Path, cameras: int) -> dict[str, str]:
    """Create the bench database, migrate it and add the cameras; return the server environment."""
    with psycopg.connect(host=str(folder), dbname="postgres", user="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    with psycopg.connect(host=str(folder), dbname=DB_NAME, user="postgres", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
        conn.execute("CREATE EXTENSION pg_trgm")
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "CONN_MAX_AGE"}}
    env.update(DATABASE_URL=database_url(DB_NAME, folder), DJANGO_SETTINGS_MODULE="geotrack.settings",
               MEDIA_ROOT=str(WORK / "camera_media"), DEBUG="0", PYTHONPATH=str(REPO))
    subprocess.run([str(VENV_BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"],
                   cwd=REPO, env=env, check=True, timeout=600)
    with psycopg.connect(host=str(folder), dbname=DB_NAME, user="postgres", autocommit=True) as conn:
        conn.execute("""
            INSERT INTO camera_sites_camera (label, location, bearing, fov_angle, range_m, stream_url, is_public,
                public_delay_minutes, token_hash, online, created_at)
            SELECT 'Bench camera ' || n, ST_SetSRID(ST_MakePoint(71.4 + n * 0.001, 51.1), 4326), 0, 60, 300, '',
                true, 0, '', false, now()
            FROM generate_series(1, %s) AS n""", [cameras])
    return env


def run_level(env: dict[str, str], url: str, cameras: int, seconds: int) -> dict:
    """Run the simulator for one level and parse its summary."""
    command = [str(VENV_BIN / "python"), "manage.py", "simulate_cameras", "--count", str(cameras),
               "--interval", str(INTERVAL_S), "--url", url, "--duration", str(seconds), "--offline-rate", "0",
               "--workers", "32"]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=seconds + 120,
                            check=True)
    parsed = {match["kind"]: match.groupdict() for match in LINE.finditer(result.stdout)}
    if "snapshot" not in parsed:
        raise RuntimeError(f"cannot read the simulator's output:\n{result.stdout}\n{result.stderr}")
    return {"stdout": result.stdout.strip(), "errors": int(parsed["snapshot"]["errors"]) + int(parsed["heartbeat"]["errors"]),
            "p99": float(parsed["snapshot"]["p99"]), "p50": float(parsed["snapshot"]["p50"]),
            "rate": float(parsed["snapshot"]["rate"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds at the target level")
    parser.add_argument("--seconds", type=int, default=20, help="length of each run")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    folder = socket_dir()
    env = prepare_database(folder, max(RAMP_CAMERAS))
    port = free_port()
    argv = [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
            "--worker-class", "sync", "--timeout", "60", "--log-level", "warning", "geotrack.wsgi:application"]
    server = start_server("camera_ingest", argv, port=port, env=env, ready_path="/healthz")
    url = f"http://127.0.0.1:{port}"
    try:
        print(f"gunicorn: {args.workers} sync workers on 127.0.0.1; snapshots every {INTERVAL_S} s per camera; "
              f"{args.seconds} s per run; 640x360 JPEG scenes (~19 KB)")
        run_level(env, url, 50, 5)  # warm-up
        print(f"\n== target: {TARGET_CAMERAS} cameras ({TARGET_CAMERAS / INTERVAL_S:.0f} snapshots/s), "
              f"{args.rounds} rounds ==")
        rounds = [run_level(env, url, TARGET_CAMERAS, args.seconds) for _ in range(args.rounds)]
        for number, level in enumerate(rounds, start=1):
            print(f"round {number}: {level['rate']:.1f} snapshots/s, errors {level['errors']}, "
                  f"p50 {level['p50']:.0f} ms, p99 {level['p99']:.0f} ms")
        print(f"median p99 {median([r['p99'] for r in rounds]):.0f} ms, median p50 "
              f"{median([r['p50'] for r in rounds]):.0f} ms, errors in all rounds: {sum(r['errors'] for r in rounds)}")
        print("\n== ramp (one run per level) ==")
        sustainable = 0.0
        for cameras in RAMP_CAMERAS:
            level = run_level(env, url, cameras, args.seconds)
            ok = level["errors"] == 0 and level["p99"] < P99_LIMIT_MS
            print(f"{cameras} cameras: {level['rate']:.1f} snapshots/s, errors {level['errors']}, "
                  f"p50 {level['p50']:.0f} ms, p99 {level['p99']:.0f} ms -> {'ok' if ok else 'NOT sustainable'}")
            if not ok:
                print("  " + level["stdout"].replace("\n", "\n  "))
                break
            sustainable = level["rate"]
        print(f"\nsustainable snapshot rate (zero errors, p99 < {P99_LIMIT_MS} ms): {sustainable:.1f}/s "
              f"(goal {TARGET_CAMERAS / INTERVAL_S:.0f}/s: ratio {sustainable / (TARGET_CAMERAS / INTERVAL_S):.1f}x)")
    finally:
        stop_server(server)
        if not args.keep_db:
            with psycopg.connect(host=str(folder), dbname="postgres", user="postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main()
