"""Start and stop the background worker and the web server that `make run` starts.

Pid files live in the checkout's state folder (geotrack/lib/localdb.py), so two
checkouts never stop each other's processes.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from geotrack.lib import localdb

BASE_DIR = localdb.BASE_DIR


def _pid_alive(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def worker_pid_file() -> Path:
    return localdb.state_dir() / "worker.pid"


def simulator_pid_file() -> Path:
    return localdb.state_dir() / "simulator.pid"


def _start(name: str, pid_file: Path, arguments: list[str]) -> None:
    """Start `manage.py <arguments>` in the background with a log and a pid file, unless it runs."""
    if pid := _pid_alive(pid_file):
        print(f"geotrack: {name} already running (pid {pid})")
        return
    log = open(localdb.state_dir() / f"{pid_file.stem}.log", "ab")
    process = subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), *arguments],
        cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    pid_file.write_text(str(process.pid))
    print(f"geotrack: {name} started (pid {process.pid}, log {log.name})")


def start_worker() -> None:
    """Start the django-tasks database worker in the background."""
    _start("background worker", worker_pid_file(), ["db_worker", "--queue-name", "*", "--interval", "1"])


def start_simulator() -> None:
    """Play some demo cameras against the local server, so the demo shows live snapshots and outages.

    DEMO_CAMERAS=0 turns it off; it posts to http://HOST:PORT like a real device would.
    """
    count = int(os.environ.get("DEMO_CAMERAS", "24"))
    if count <= 0:
        return
    url = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
    _start("camera simulator", simulator_pid_file(),
           ["simulate_cameras", "--count", str(count), "--interval", "30", "--url", url, "--duration", "604800"])


def _terminate(pid_file: Path, what: str) -> None:
    pid = _pid_alive(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return
    os.kill(pid, signal.SIGTERM)
    for _ in range(50):
        if _pid_alive(pid_file) is None:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    print(f"geotrack: {what} stopped")


def stop_all() -> None:
    """Stop the web servers, the worker and the local cluster of this checkout."""
    state = localdb.state_dir()
    if not state.exists():
        return
    for pid_file in state.glob("gunicorn-*.pid"):
        _terminate(pid_file, f"web server ({pid_file.stem.removeprefix('gunicorn-')})")
    _terminate(simulator_pid_file(), "camera simulator")
    _terminate(worker_pid_file(), "background worker")
    if not os.environ.get("DATABASE_URL"):
        localdb.stop()


def main(argv: list[str]) -> int:
    commands = {"start-worker": start_worker, "start-simulator": start_simulator, "stop-all": stop_all}
    if len(argv) != 2 or argv[1] not in commands:
        print(f"usage: {argv[0]} {'|'.join(commands)}", file=sys.stderr)
        return 2
    commands[argv[1]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
