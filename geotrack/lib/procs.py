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


def start_worker() -> None:
    """Start the django-tasks database worker in the background, unless it runs."""
    if pid := _pid_alive(worker_pid_file()):
        print(f"geotrack: background worker already running (pid {pid})")
        return
    log = open(localdb.state_dir() / "worker.log", "ab")
    process = subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "db_worker", "--queue-name", "*", "--interval", "1"],
        cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    worker_pid_file().write_text(str(process.pid))
    print(f"geotrack: background worker started (pid {process.pid}, log {log.name})")


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
    _terminate(worker_pid_file(), "background worker")
    if not os.environ.get("DATABASE_URL"):
        localdb.stop()


def main(argv: list[str]) -> int:
    commands = {"start-worker": start_worker, "stop-all": stop_all}
    if len(argv) != 2 or argv[1] not in commands:
        print(f"usage: {argv[0]} {'|'.join(commands)}", file=sys.stderr)
        return 2
    commands[argv[1]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
