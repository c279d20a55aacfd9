"""Fan-out bench: N subscribers of one region each get one alert by e-mail; time and the worker's memory.

A bench database of its own (geotrack_bench_notify) in the local cluster; an aiosmtpd server on 127.0.0.1;
the real worker (`manage.py notify --loop`) as a separate process. For each size the bench times, from the
worker's start, until every delivery is `sent` (fan-out + 1 message per subscriber over SMTP), samples the
worker's RSS from /proc every 50 ms, and sets it beside a floor: a plain smtplib loop that sends the same
number of pre-rendered messages over one connection to the same server (what SMTP alone costs).
Sizes run interleaved (floor, worker, floor, worker ...) for --rounds rounds; medians are printed.

Run: .venv/bin/python bench/notifications/run.py [--sizes 1000 10000] [--rounds 3]
"""
from __future__ import annotations

import argparse
import os
import smtplib
import statistics
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from bench.common import database_url, socket_dir, socket_port  # noqa: E402
from tests.notifications.servers import SmtpServer  # noqa: E402

DB = "geotrack_bench_notify"
PY = str(REPO / ".venv" / "bin" / "python")


def ensure_database(env: dict) -> None:
    folder = socket_dir()
    with psycopg.connect(host=str(folder), port=socket_port(folder), user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone():
            conn.execute(f"CREATE DATABASE {DB}")
    with psycopg.connect(host=str(folder), port=socket_port(folder), user="postgres", dbname=DB,
                         autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)


def counts(env: dict) -> tuple[int, int]:
    """(deliveries created, deliveries sent)."""
    folder = socket_dir()
    with psycopg.connect(host=str(folder), port=socket_port(folder), user="postgres", dbname=DB) as conn:
        return conn.execute("SELECT count(*), count(*) FILTER (WHERE state = 'sent') "
                            "FROM notifications_delivery").fetchone()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def run_worker(n: int, env: dict, smtp: SmtpServer, timeout: float) -> tuple[float, float, int, int]:
    subprocess.run([PY, "bench/notifications/seed.py", str(n)], cwd=REPO, env=env, check=True)
    smtp.messages.clear()
    start = time.monotonic()
    worker = subprocess.Popen([PY, "manage.py", "notify", "--loop", "0.1", "--no-alerts"], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, idle_rss, last_check, fanned_out = 0, 0, 0.0, None
    try:
        while time.monotonic() - start < timeout:
            peak = max(peak, rss_kib(worker.pid))
            if time.monotonic() - last_check > 0.5:
                last_check = time.monotonic()
                created, sent = counts(env)
                if fanned_out is None and created >= n:
                    fanned_out = time.monotonic() - start  # every delivery exists: the fan-out is done
                if len(smtp.messages) >= n and sent >= n:
                    break
            time.sleep(0.05)
        elapsed = time.monotonic() - start
        idle_rss = rss_kib(worker.pid)
    finally:
        worker.terminate()  # only the process this bench started, by its handle
        worker.wait(10)
    if len(smtp.messages) != n:
        raise SystemExit(f"{len(smtp.messages)} messages for {n} subscribers")
    return elapsed, fanned_out or elapsed, peak, idle_rss


def run_floor(n: int, smtp: SmtpServer) -> float:
    smtp.messages.clear()
    start = time.monotonic()
    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        for i in range(n):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "geotrack <noreply@localhost>", f"b{i}@example.kz", "x"
            message.set_content("Пункт 1: срок прошёл\nhttp://127.0.0.1:8000/roadmap/1/")
            message.add_alternative("<p>Пункт 1: срок прошёл</p>", subtype="html")
            client.send_message(message)
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": database_url(DB, socket_dir()), "TELEGRAM_BOT_TOKEN": "",
           "NOTIFY_EMAIL_RATE": "100000", "LOG_LEVEL": "ERROR"}
    ensure_database(env)
    smtp = SmtpServer().start()
    env.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port)})
    results: dict[int, dict[str, list]] = {n: {"floor": [], "worker": [], "fanout": [], "peak": [], "idle": []}
                                           for n in args.sizes}
    try:
        for round_ in range(args.rounds):
            for n in args.sizes:
                results[n]["floor"].append(run_floor(n, smtp))
                elapsed, fanout, peak, idle = run_worker(n, env, smtp, args.timeout)
                results[n]["worker"].append(elapsed)
                results[n]["fanout"].append(fanout)
                results[n]["peak"].append(peak)
                results[n]["idle"].append(idle)
                print(f"round {round_ + 1} n={n}: floor {results[n]['floor'][-1]:.1f} s, worker {elapsed:.1f} s "
                      f"(fan-out done at {fanout:.1f} s), "
                      f"peak RSS {peak / 1024:.0f} MiB", flush=True)
    finally:
        smtp.stop()
    print("\nsubscribers | SMTP floor s | fan-out s | worker s (fan-out + send) | x floor | msgs/s | peak RSS MiB")
    for n in args.sizes:
        floor, work = statistics.median(results[n]["floor"]), statistics.median(results[n]["worker"])
        print(f"{n} | {floor:.1f} | {statistics.median(results[n]['fanout']):.1f} | {work:.1f} | {work / floor:.2f} | "
              f"{n / work:.0f} | "
              f"{statistics.median(results[n]['peak']) / 1024:.0f}")


if __name__ == "__main__":
    main()
