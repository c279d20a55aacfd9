"""Helpers shared by the benchmarks: the local cluster, servers, timing, memory and wrk.

Benchmarks never run in CI. Everything here binds to 127.0.0.1 or the project-local
unix socket, and stops only the processes it started, by their pid.
"""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "bench" / ".work"  # gitignored: venvs, configs, server logs
VENV_BIN = REPO / ".venv" / "bin"


# --- the project-local PostGIS cluster -------------------------------------------------

def socket_dir() -> Path:
    """Return the unix socket folder of the project-local cluster; fail if it is down."""
    from geotrack.lib import localdb  # needs no Django

    if not localdb.is_running():
        raise SystemExit("The local PostGIS cluster is not running: `make db` or "
                         "`.venv/bin/python -m geotrack.lib.localdb start` first.")
    return localdb.socket_dir()


def socket_port(folder: Path) -> int:
    """Return the port number in the socket's name (.s.PGSQL.<port>)."""
    sockets = sorted(folder.glob(".s.PGSQL.*[0-9]"))
    return int(sockets[0].name.rsplit(".", 1)[1]) if sockets else 5432


def database_url(name: str, folder: Path) -> str:
    """Return a postgis:// URL whose host is the socket folder, percent-encoded for dj_database_url."""
    return f"postgis://postgres@{quote(str(folder), safe='')}/{name}"


# --- servers -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path
    workers: list[int] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def start_server(name: str, argv: Sequence[str], *, port: int, env: dict[str, str], ready_path: str,
                 cwd: Path = REPO, timeout: float = 90.0) -> Server:
    """Start a server process, wait until ready_path answers 200, and record its worker pids."""
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / f"{name}.log"
    with open(log, "wb") as handle:
        process = subprocess.Popen(list(argv), cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)
    server = Server(name=name, port=port, process=process, log=log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; log:\n{log.read_text()[-3000:]}")
        try:
            if http_get(server.url(ready_path), timeout=10).status == 200:
                server.workers = child_pids(process.pid)
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise RuntimeError(f"{name} did not answer {ready_path} within {timeout:.0f} s; log:\n{log.read_text()[-3000:]}")


def stop_server(server: Server, timeout: float = 15.0) -> None:
    """SIGTERM the master (gunicorn stops its workers); SIGKILL master and workers if it hangs."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout)
            return
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(5)
    for pid in server.workers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def child_pids(parent: int) -> list[int]:
    """Return the pids whose parent is `parent` (gunicorn workers are children of the master)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            children.append(int(entry.name))
    return sorted(children)


def peak_rss_mib(pids: Sequence[int]) -> float:
    """Return the largest VmHWM (peak resident set) among the processes, in MiB."""
    peaks = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        if match:
            peaks.append(int(match.group(1)) / 1024)
    return max(peaks, default=float("nan"))


# --- timing --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    seconds: float


def http_get(url: str, timeout: float = 120.0) -> Reply:
    """GET a 127.0.0.1 URL over a fresh connection and read the whole body."""
    rest = url.removeprefix("http://")
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    started = time.perf_counter()
    connection = http.client.HTTPConnection(host, int(port or 80), timeout=timeout)
    try:
        connection.request("GET", "/" + path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return Reply(status=response.status, body=body, seconds=time.perf_counter() - started)


def interleaved(runners: dict[str, Callable[[], float]], *, rounds: int, warmup: int = 2) -> dict[str, list[float]]:
    """Run each runner once per round, in turn (A B C A B C ...); return the timed rounds only."""
    times: dict[str, list[float]] = {name: [] for name in runners}
    for round_number in range(warmup + rounds):
        for name, runner in runners.items():
            seconds = runner()
            if round_number >= warmup:
                times[name].append(seconds)
    return times


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- load ------------------------------------------------------------------------------------

def wrk_requests_per_second(url: str, *, seconds: int = 10, connections: int = 4, threads: int = 1) -> float:
    """Run `wrk -t1 -c4 -d10s` (by default) against url and return its Requests/sec."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)
    if "Non-2xx" in result.stdout:
        raise RuntimeError(f"wrk got error responses from {url}:\n{result.stdout}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    if not match:
        raise RuntimeError(f"cannot read wrk's output:\n{result.stdout}\n{result.stderr}")
    return float(match.group(1))
