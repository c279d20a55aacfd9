"""Pages under load: /, /map/, /roadmap/ and /embed/ with wrk -c32 while 200 cameras post every 10 s.

Run: .venv/bin/python bench/pages_under_load/run.py [--projects 21000] [--rounds 5] [--seconds 5] [--keep-db]
Never run in CI. See bench/pages_under_load/README.md.
"""
from __future__ import annotations

import argparse
import os
import re
import runpy
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from bench.api_geojson import dataset, servers  # noqa: E402
from bench.common import (VENV_BIN, WORK, database_url, free_port, http_get, interleaved, median,  # noqa: E402
                          socket_dir, start_server, stop_server)
from bench.tiles_and_pages import data  # noqa: E402

DB_NAME = "geotrack_bench_pages"
dataset.DB_NAME = servers.DB_NAME = data.DB_NAME = DB_NAME  # the shared helpers read these at call time
PAGES = ("/", "/map/", "/roadmap/", "/embed/")
STATIC = "/static/geotrack/maps.js"  # the peer: a static file through the same gunicorn (WhiteNoise)
TARGET_RPS = 300
CAMERAS = 200
INTERVAL_S = 10


def server_env(folder: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "CONN_MAX_AGE"}}
    env.update(DATABASE_URL=database_url(DB_NAME, folder), DJANGO_SETTINGS_MODULE="geotrack.settings",
               MEDIA_ROOT=str(WORK / "pages_media"), DEBUG="0", PYTHONPATH=str(REPO))
    return env


def prepare(folder: Path, env: dict[str, str], projects: int) -> None:
    """A fresh database with the demo, grown to `projects` projects and CAMERAS cameras."""
    started = time.perf_counter()
    dataset.recreate_database(folder)
    dataset.migrate(folder)
    subprocess.run([str(VENV_BIN / "python"), "manage.py", "load_demo", "-v", "0"], cwd=REPO, env=env, check=True,
                   timeout=600, capture_output=True)
    with data.connect(folder) as conn:
        agency = conn.execute("SELECT min(id) FROM projects_agency").fetchone()[0]
        have = conn.execute("SELECT count(*) FROM camera_sites_camera").fetchone()[0]
        conn.execute("""
            INSERT INTO camera_sites_camera (label, location, bearing, fov_angle, range_m, stream_url, is_public,
                public_delay_minutes, token_hash, online, created_at)
            SELECT 'Bench camera ' || n, ST_SetSRID(ST_MakePoint(71.4 + n * 0.001, 51.1), 4326), 0, 60, 300, '',
                true, 0, '', false, now()
            FROM generate_series(1, %s) AS n""", [max(0, CAMERAS - have)])
    data.grow(folder, agency, projects)
    print(f"  database {DB_NAME}: demo + {projects} projects, {CAMERAS} cameras in "
          f"{time.perf_counter() - started:.0f} s")


def signed_in_cookie(folder: Path) -> str:
    """The cookies of an analyst's browser (sees everything): a session made as login() makes it, and its CSRF cookie."""
    os.environ["DATABASE_URL"] = database_url(DB_NAME, folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geotrack.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from importlib import import_module

    from projects.models import Profile

    user, _ = get_user_model().objects.get_or_create(username="bench-analyst")
    Profile.objects.get_or_create(user=user, defaults={"role": "analyst"})
    session = import_module(settings.SESSION_ENGINE).SessionStore()  # the engine's: its row names the user
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]  # as login() records it
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    # A browser that signed in carries the CSRF cookie login() set (rotate_token) on every later request.
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils.crypto import get_random_string

    csrf = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
    return f"sessionid={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"


def wrk(url: str, seconds: int, cookie: str | None = None) -> float:
    """Requests/s of `wrk -t2 -c32`; any non-2xx answer, socket error or timeout fails the run."""
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--timeout", "10s", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"errors from {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def report(rates: dict[str, list[float]]) -> None:
    static = median(rates["static"])
    print(f"  static file (peer): {static:.0f} req/s [{min(rates['static']):.0f}..{max(rates['static']):.0f}]")
    for name, values in rates.items():
        if name != "static":
            value = median(values)
            print(f"  {name:22s} {value:6.0f} req/s [{min(values):.0f}..{max(values):.0f}]  "
                  f"{value / static:.2f}x the static file   target >= {TARGET_RPS}: "
                  f"{'met' if value >= TARGET_RPS else 'NOT met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=21_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per page and round")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: deploy/gunicorn.conf.py's, 2 per core)")
    parser.add_argument("--threads", type=int, help="threads per gthread worker (default: deploy/gunicorn.conf.py's, 4)")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument("--no-quiet", action="store_true", help="skip the phase without camera traffic")
    args = parser.parse_args()
    folder = socket_dir()
    env = server_env(folder)
    if not args.reuse_db:
        prepare(folder, env, args.projects)
    else:
        dataset.migrate(folder)  # a kept database follows the code's migrations
    cookie = signed_in_cookie(folder)
    port = free_port()
    # Served as `make serve` serves it: deploy/gunicorn.conf.py (gthread, its processes and threads unless
    # --workers/--threads say otherwise, keep-alive connections), an access log line per request.
    conf = runpy.run_path(str(REPO / "deploy" / "gunicorn.conf.py"))
    workers, threads = args.workers or conf["workers"], args.threads or conf["threads"]
    argv = [str(VENV_BIN / "gunicorn"), "-c", str(REPO / "deploy" / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--threads", str(threads), "--timeout", "60", "--log-level", "warning",
            "--access-logfile", str(WORK / "pages_under_load-access.log"), "geotrack.wsgi:application"]
    server = start_server("pages_under_load", argv, port=port, env=env, ready_path="/healthz")
    simulator = None
    try:
        url = server.url
        for path in PAGES:
            for who, header in (("anonymous", None), ("signed in", cookie)):
                command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url(path)]
                if header:
                    command[1:1] = ["-H", f"Cookie: {header}"]
                status = subprocess.run(command, capture_output=True, text=True, check=True).stdout
                if status != "200":
                    raise RuntimeError(f"{path} ({who}) answered {status}")
        runners = {"static": lambda: wrk(url(STATIC), args.seconds)}
        for path in PAGES:
            runners[f"{path} anonymous"] = lambda p=path: wrk(url(p), args.seconds)
            runners[f"{path} signed in"] = lambda p=path: wrk(url(p), args.seconds, cookie)
        print(f"  gunicorn {workers} gthread workers x {threads} threads (as make serve); "
              f"wrk -t2 -c32 -d{args.seconds}s, {args.rounds} interleaved "
              f"rounds after one warm-up; the peer is a static file through the same gunicorn")
        if not args.no_quiet:
            print("\n== no camera traffic ==")
            report(interleaved(runners, rounds=args.rounds, warmup=1))
        print(f"\n== {CAMERAS} cameras posting a snapshot every {INTERVAL_S} s (camera_sites/simulator.py) ==")
        # The simulator runs a little longer than the wrk runs (about 0.3 s of overhead each), then prints its summary.
        duration = len(runners) * (args.rounds + 1) * (args.seconds + 0.3) + INTERVAL_S + 5
        sim_log = open(WORK / "pages_under_load-simulator.log", "w")
        simulator = subprocess.Popen(
            [str(VENV_BIN / "python"), "manage.py", "simulate_cameras", "--count", str(CAMERAS), "--interval",
             str(INTERVAL_S), "--url", url(""), "--duration", str(duration), "--offline-rate", "0", "--workers", "32"],
            cwd=REPO, env=env, stdout=sim_log, stderr=subprocess.STDOUT)
        time.sleep(INTERVAL_S)  # every camera has posted once
        with data.connect(folder) as conn:
            before, started = conn.execute("SELECT count(*) FROM camera_sites_snapshot").fetchone()[0], time.monotonic()
            rates = interleaved(runners, rounds=args.rounds, warmup=1)
            stored = conn.execute("SELECT count(*) FROM camera_sites_snapshot").fetchone()[0] - before
        elapsed = time.monotonic() - started
        report(rates)
        simulator.wait(duration + 120)
        sim_log.close()
        log = (WORK / "pages_under_load-simulator.log").read_text()
        print(f"  snapshots stored during the wrk runs: {stored} in {elapsed:.0f} s ({stored / elapsed:.1f}/s, "
              f"goal {CAMERAS / INTERVAL_S:.0f}/s)")
        print("  simulator: " + " | ".join(line.strip() for line in log.splitlines() if "sent" in line))
    finally:
        if simulator is not None and simulator.poll() is None:
            simulator.kill()
        stop_server(server)
        if not args.keep_db and not args.reuse_db:
            dataset.drop_database(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
