"""Where a request's CPU goes: the server's workers, PostgreSQL and the load generator, per request.

Run: .venv/bin/python bench/request_cost/cpu_split.py [--seconds 5] (after run.py --keep-db)
Requests per second on a shared 2-core machine swing with whatever else runs; the CPU each process
spends per request does not. This starts the same two servers as run.py (the HTTP floor and
geotrack, 2 sync workers each), runs `wrk -c4` against each request, and reads the CPU time of the
server's workers, of every PostgreSQL process of the cluster, and of wrk, from /proc and rusage.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.common import socket_dir, stop_server  # noqa: E402
from bench.request_cost import run  # noqa: E402
from bench.tiles_and_pages import data  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def postgres_pids(folder: Path) -> list[int]:
    """The cluster's postmaster (pgdata/postmaster.pid beside the socket folder) and its children."""
    postmaster = int((folder.parent / "pgdata" / "postmaster.pid").read_text().split()[0])
    pids = [postmaster]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError):
                continue
            if parent == postmaster:
                pids.append(int(entry.name))
    return pids


def measure(url: str, workers: list[int], folder: Path, seconds: int) -> dict:
    pg = postgres_pids(folder)
    before_server, before_pg = cpu_seconds(workers), cpu_seconds(pg)
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["wrk", "-t1", "-c4", f"-d{seconds}s", url], capture_output=True, text=True, check=True).stdout
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    wrk = (after_children.ru_utime + after_children.ru_stime) - (before_children.ru_utime + before_children.ru_stime)
    return {"requests": requests, "server": (cpu_seconds(workers) - before_server) / requests * 1000,
            "postgres": (cpu_seconds(postgres_pids(folder)) - before_pg) / requests * 1000,
            "wrk": wrk / requests * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = socket_dir()
    run.setup_django(folder)
    running = []
    try:
        with data.connect(folder) as conn:
            bbox = run.small_bbox(conn, 100_000)
        z, x, y = data.tile_of(*data.CITIES["Almaty"], 14)
        paths = {"bbox": f"/api/projects/?bbox={bbox}", "mvt": f"/tiles/projects/{z}/{x}/{y}.mvt"}
        routes = {}
        for name, path in paths.items():
            kind = "application/geo+json" if name == "bbox" else "application/vnd.mapbox-vector-tile"
            routes["/" + name] = [kind, run.captured_statements(path)]
        geotrack = run.servers.start_geotrack(folder)
        running.append(geotrack)
        floor = run.start_floor(folder, routes)
        running.append(floor)
        print(f"  CPU ms per request, wrk -t1 -c4 -d{args.seconds}s, best of {args.rounds} rounds:")
        for name, path in paths.items():
            for label, server, url in (("floor", floor, floor.url("/" + name)), ("geotrack", geotrack, geotrack.url(path))):
                rounds = [measure(url, server.workers, folder, args.seconds) for _ in range(args.rounds)]
                best = min(rounds, key=lambda r: r["server"] + r["postgres"])
                print(f"  {name:5s} {label:9s} server {best['server']:.3f}  postgres {best['postgres']:.3f}  "
                      f"wrk {best['wrk']:.3f}  total {best['server'] + best['postgres'] + best['wrk']:.3f}")
    finally:
        for server in running:
            stop_server(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
