"""Instructions per request of a hot worker, counted by valgrind: the same figure whatever the machine's load.

Run: DATABASE_URL=... .venv/bin/python bench/request_cost/instructions.py PATH [PATH ...] [--requests 300]
    [--cookie 'sessionid=...']
against the database DATABASE_URL names (e.g. the bench's geotrack_bench_request, run.py --keep-db).
For each path it starts `valgrind --tool=callgrind --instr-atstart=no` on a child that calls
geotrack.wsgi.application in-process (the environ gunicorn would build, as hot_profile.py), warms it with
100 requests, and has valgrind count only the --requests calls that follow (`callgrind_control -i on/off`).
Seconds on these shared 2-core machines swing with whatever else runs; counted instructions do not (the
same configuration counted twice agrees within 0.2%), so a change's effect shows even on a busy machine.
PostgreSQL's work is in another process and not counted. Needs Debian's valgrind. To compare two checkouts
signed in, give both the same SECRET_KEY: each checkout generates its own, and a session cookie signed
with another key is silently an anonymous caller with a new session.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def child(path: str, requests: int, flags: Path, cookie: str = "") -> None:
    """In the child under valgrind: warm, say ready, wait for the go, run the counted requests, say done."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geotrack.settings")
    os.environ["DEBUG"] = "0"
    from bench.request_cost.hot_profile import environ
    from geotrack.wsgi import application

    def call() -> None:
        statuses: list[str] = []
        body = application(environ(path, cookie), lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(body)
        body.close()
        if not statuses[0].startswith("200"):
            raise SystemExit(f"{path} answered {statuses[0]}")

    for _ in range(100):
        call()
    (flags / "ready").touch()
    wait_for(flags / "go")
    for _ in range(requests):
        call()
    (flags / "done").touch()
    wait_for(flags / "end")


def wait_for(flag: Path, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not flag.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {flag.name}")
        time.sleep(0.05)


def count(path: str, requests: int, cookie: str = "") -> int:
    """Instructions per request for one path."""
    with tempfile.TemporaryDirectory() as folder:
        flags, out = Path(folder), Path(folder) / "callgrind.out"
        argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                sys.executable, __file__, "--child", path, "--requests", str(requests), "--flags", folder,
                "--cookie", cookie]
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
        try:
            wait_for(flags / "ready")
            subprocess.run(["callgrind_control", "-i", "on", str(process.pid)], check=True, capture_output=True)
            (flags / "go").touch()
            wait_for(flags / "done")
            subprocess.run(["callgrind_control", "-i", "off", str(process.pid)], check=True, capture_output=True)
            (flags / "end").touch()
            process.wait(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
        totals = [line for line in out.read_text().splitlines() if line.startswith("totals:")]
        return int(totals[0].split()[1]) // requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--child")
    parser.add_argument("--flags")
    parser.add_argument("--cookie", default="", help="a Cookie header, e.g. sessionid=... for a signed-in caller")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.requests, Path(args.flags), args.cookie)
        return 0
    for path in args.paths:
        who = " (signed in)" if args.cookie else ""
        print(f"  {path}{who}: {count(path, args.requests, args.cookie):,} instructions per request "
              f"({args.requests} requests)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
