"""Real processes against the test database: a gunicorn server and background workers, and the local cluster."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from geotrack.lib import localdb

BASE_DIR = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """The test database (pytest-django's), reached like the app reaches it: the socket, the app's role."""
    settings = connection.settings_dict
    host = quote(settings["HOST"] or "localhost", safe="")
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgis://{settings['USER']}@{host}{port}/{settings['NAME']}"


def environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"PROMETHEUS_MULTIPROC_DIR"}}
    env.update({"DATABASE_URL": test_database_url(), "DJANGO_SETTINGS_MODULE": "geotrack.settings",
                "WORKER_HEARTBEAT_S": "1", "WORKER_MAX_BACKOFF_S": "1", "LOG_LEVEL": "WARNING"})
    env.update(extra)
    return env


@dataclass
class Process:
    name: str
    process: subprocess.Popen
    log: Path
    port: int | None = None
    extra: dict = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


def _spawn(name: str, argv: list[str], env: dict, folder: Path, port: int | None = None) -> Process:
    log = folder / f"{name}.log"
    with open(log, "wb") as handle:
        process = subprocess.Popen(argv, cwd=BASE_DIR, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    return Process(name=name, process=process, log=log, port=port)


def start_gunicorn(folder: Path, env: dict, workers: int = 2, threads: int = 4, timeout: float = 60) -> Process:
    port = free_port()
    server = _spawn(f"gunicorn-{port}", [str(Path(PYTHON).parent / "gunicorn"), "geotrack.wsgi",
                                         "-c", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
                                         "--workers", str(workers), "--threads", str(threads),
                                         "--control-socket", str(folder / f"gunicorn-{port}.ctl"),
                                         "--access-logfile", "-"], env, folder, port)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {server.tail()}")
        if request(server.url("/healthz"))[0] == 200:
            return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer: {server.tail()}")


def start_worker(folder: Path, env: dict, supervised: bool = False, name: str = "worker") -> Process:
    argv = [PYTHON, "manage.py", "run_worker", "--interval", "0.2"]
    if supervised:
        argv = [PYTHON, "-m", "geotrack.lib.procs", "supervise", "--", *argv]
    return _spawn(name, argv, env, folder)


def request(url: str, method: str = "GET", body: dict | None = None, headers: dict | None = None,
            timeout: float = 15) -> tuple[int, dict, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={
        **({"Content-Type": "application/json"} if data else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout) as error:
        return 0, {}, str(error).encode()


def restart_cluster() -> float:
    """`pg_ctl restart -m fast` on the project's local cluster; returns how long it took."""
    start = time.monotonic()
    localdb._as_postgres(str(localdb.PG_BIN / "pg_ctl"), "restart", "-m", "fast", "-w", "-t", "60",
                         "-D", str(localdb.data_dir()), "-l", str(localdb.log_file()), capture=True)
    return time.monotonic() - start


def wait_for(predicate, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
