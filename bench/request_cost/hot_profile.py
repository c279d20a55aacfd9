"""Profile a hot geotrack worker on the two small requests: the WSGI application called in-process.

Run: .venv/bin/python bench/request_cost/hot_profile.py PATH [--requests 2000] [--sort cumulative]
against the database DATABASE_URL names (e.g. the bench's geotrack_bench_request, --keep-db).
It builds the WSGI environ gunicorn would, calls geotrack.wsgi.application (settings as in the
bench: DEBUG off, persistent connection), warms it, then runs cProfile over --requests calls.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def environ(path: str, cookie: str = "") -> dict:
    route, _, query = path.partition("?")
    return {**({"HTTP_COOKIE": cookie} if cookie else {}),
            "REQUEST_METHOD": "GET", "PATH_INFO": route, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT": "*/*", "HTTP_USER_AGENT": "wrk", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.multithread": False,
            "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=45)
    parser.add_argument("--callers", metavar="PATTERN", help="also print who calls the functions matching PATTERN")
    parser.add_argument("--callees", metavar="PATTERN", help="also print what the functions matching PATTERN call")
    parser.add_argument("--cookie", default="", help="a Cookie header, e.g. sessionid=... for a signed-in caller")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geotrack.settings")
    os.environ["DEBUG"] = "0"
    from geotrack.wsgi import application

    def call() -> None:
        statuses = []
        body = application(environ(args.path, args.cookie), lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
        if not statuses[0].startswith("200"):
            raise SystemExit(f"{args.path} answered {statuses[0]}")

    for _ in range(50):
        call()
    started = time.perf_counter()
    for _ in range(args.requests):
        call()
    plain = (time.perf_counter() - started) / args.requests
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        call()
    profiler.disable()
    print(f"{args.path}: {1000 * plain:.3f} ms per request unprofiled ({1 / plain:.0f} req/s on one core)")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats(args.sort).print_stats(args.lines)
    if args.callers:
        stats.print_callers(args.callers)
    if args.callees:
        stats.print_callees(args.callees)
    return 0


if __name__ == "__main__":
    sys.exit(main())
