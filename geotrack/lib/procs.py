"""Start and stop the background worker and the web server that `make run` starts.

Pid files live in the checkout's state folder (geotrack/lib/localdb.py), so two
checkouts never stop each other's processes.

The worker runs under `supervise`, a small supervisor of ours: it restarts the worker whenever it
exits (backoff 1 s doubling to 30 s, reset after a minute of good running) and forwards SIGTERM.
We chose our own over honcho (which stops the whole group when one process dies instead of
restarting it) and supervisord (a second daemon with its own config, socket and pid handling, while
production already has systemd doing the same with Restart=always, deploy/systemd/): ~40 lines that
keep `make stop`'s pid files as they were.
"""
from __future__ import annotations

import os
import shutil
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


def _start(name: str, pid_file: Path, arguments: list[str], supervised: bool = False) -> None:
    """Start `manage.py <arguments>` in the background with a log and a pid file, unless it runs."""
    if pid := _pid_alive(pid_file):
        print(f"geotrack: {name} already running (pid {pid})")
        return
    log = open(localdb.state_dir() / f"{pid_file.stem}.log", "ab")
    command = [sys.executable, str(BASE_DIR / "manage.py"), *arguments]
    if supervised:
        command = [sys.executable, "-m", "geotrack.lib.procs", "supervise", "--", *command]
    metrics_dir().mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        command, env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir())},
        cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    pid_file.write_text(str(process.pid))
    print(f"geotrack: {name} started (pid {process.pid}, log {log.name})")


def metrics_dir() -> Path:
    """prometheus-client's multiprocess folder for this checkout (PROMETHEUS_MULTIPROC_DIR)."""
    return localdb.state_dir() / "metrics"


def worker_pid_files() -> list[Path]:
    count = max(1, int(os.environ.get("WORKERS", "1")))
    return [worker_pid_file()] + [localdb.state_dir() / f"worker-{n}.pid" for n in range(2, count + 1)]


def start_worker() -> None:
    """Start the background worker(s) (WORKERS, default 1), each under our supervisor."""
    for n, pid_file in enumerate(worker_pid_files(), start=1):
        _start(f"background worker {n}", pid_file, ["run_worker", "--interval", "1"], supervised=True)


def supervise(argv: list[str]) -> int:
    """Run argv; restart it whenever it exits, until SIGTERM/SIGINT, which is forwarded to it."""
    stopping = False
    child: subprocess.Popen | None = None

    def stop(signum, frame):
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    backoff = 1.0
    while not stopping:
        started = time.monotonic()
        child = subprocess.Popen(argv, cwd=BASE_DIR)
        while True:
            try:
                code = child.wait()
                break
            except InterruptedError:
                continue
        if stopping:
            return 0
        if time.monotonic() - started > 60:
            backoff = 1.0
        print(f"geotrack supervisor: {argv[2] if len(argv) > 2 else argv[0]} exited with {code}; "
              f"restarting in {backoff:.0f} s", file=sys.stderr, flush=True)
        deadline = time.monotonic() + backoff
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.1)
        backoff = min(backoff * 2, 30.0)
    return 0


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
        try:
            os.killpg(pid, signal.SIGKILL)  # its own session: the supervisor and what it runs
        except (ProcessLookupError, PermissionError):
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
    for pid_file in [worker_pid_file(), *sorted(state.glob("worker-*.pid"))]:
        _terminate(pid_file, f"background worker ({pid_file.stem})")
    if not os.environ.get("DATABASE_URL"):
        localdb.stop()
    # Nothing of ours runs any more: the multiprocess metric files of dead processes go too.
    if metrics_dir().exists():
        shutil.rmtree(metrics_dir(), ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) > 2 and argv[1] == "supervise":
        rest = argv[2:]
        return supervise(rest[1:] if rest[0] == "--" else rest)
    commands = {"start-worker": start_worker, "start-simulator": start_simulator, "stop-all": stop_all}
    if len(argv) != 2 or argv[1] not in commands:
        print(f"usage: {argv[0]} {'|'.join(commands)}", file=sys.stderr)
        return 2
    commands[argv[1]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
