"""`make cluster`: a whole deployment on one machine, from the project's own files.

    PostgreSQL primary + streaming replica (pg_basebackup -R), each on its own unix socket
    Redis (Debian's redis-server, our own instance on a unix socket: never the machine's 6379)
    moto in server mode as the S3 store (django-storages; GDAL /vsis3/ for imagery COGs)
    two gunicorn nodes (A, B) with the same settings, behind Debian's nginx
    two background workers (manage.py run_worker)

Everything lives under <state folder>/cluster/; ports are chosen free at start and written, with the
settings every process got, to cluster.json, which the tests read (tests/cluster/).

Why moto and not MinIO: MinIO is neither a Debian package nor on PyPI (only a binary download or a
container image, and this machine reaches package registries only); moto's server mode is on PyPI,
speaks the S3 API that boto3/django-storages and GDAL use, and starts in a second. MinIO is what
deploy/compose.yaml runs in production.

Run as `python -m geotrack.lib.cluster up|down|status|promote`.
"""
from __future__ import annotations

import json
import os
import posixpath
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import boto3

from geotrack.lib import localdb

BASE = localdb.state_dir() / "cluster"
PG_BIN = localdb.PG_BIN
VENV_BIN = Path(sys.executable).parent
STATE_FILE = BASE / "cluster.json"
BUCKET = "geotrack-media"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg(*args: str, capture: bool = True, check: bool = True) -> subprocess.CompletedProcess:
    return localdb._as_postgres(*args, capture=capture, check=check)


def _psql(socket_dir: Path, database: str, sql: str) -> str:
    return subprocess.run([str(PG_BIN / "psql"), "-h", str(socket_dir), "-U", "postgres", "-d", database,
                           "-v", "ON_ERROR_STOP=1", "-tAc", sql], check=True, text=True,
                          capture_output=True).stdout.strip()


def _dirs(name: str) -> tuple[Path, Path]:
    return BASE / name / "data", BASE / name / "run"


def _own(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    localdb._chown_postgres(path)


def start_primary() -> Path:
    data, run = _dirs("primary")
    _own(BASE / "primary")
    _own(run)
    if not (data / "PG_VERSION").exists():
        _own(data)
        os.chmod(data, 0o700)
        _pg(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
            "--locale=C.UTF-8")
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"\nlisten_addresses = ''\nunix_socket_directories = '{run}'\nmax_connections = 100\n"
                       "wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\nshared_buffers = 64MB\n"
                       "synchronous_commit = on\n")
    _pg(str(PG_BIN / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(data), "-l", str(BASE / "primary/log"))
    if _psql(run, "postgres", "SELECT 1 FROM pg_roles WHERE rolname = 'geotrack'") != "1":
        _psql(run, "postgres", "CREATE ROLE geotrack LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION")
        _psql(run, "postgres", "CREATE DATABASE geotrack OWNER geotrack")
        for extension in localdb.EXTENSIONS:
            _psql(run, "geotrack", f'CREATE EXTENSION IF NOT EXISTS "{extension}"')
    return run


def start_replica(primary_run: Path) -> Path:
    data, run = _dirs("replica")
    _own(BASE / "replica")
    _own(run)
    if not (data / "PG_VERSION").exists():
        if data.exists():
            shutil.rmtree(data)
        _own(data)
        os.chmod(data, 0o700)
        _pg(str(PG_BIN / "pg_basebackup"), "-h", str(primary_run), "-U", "postgres", "-D", str(data), "-R",
            "-X", "stream", "-c", "fast")
        with open(data / "postgresql.auto.conf", "a") as conf:
            conf.write(f"\nunix_socket_directories = '{run}'\n")
    _pg(str(PG_BIN / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(data), "-l", str(BASE / "replica/log"))
    return run


def url(run: Path) -> str:
    return f"postgis://geotrack@{quote(str(run), safe='')}/geotrack"


def spawn(name: str, argv: list[str], env: dict) -> int:
    log = open(BASE / f"{name}.log", "ab")
    process = subprocess.Popen(argv, cwd=localdb.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    return process.pid


def wait_http(address: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(address, timeout=5) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{address} did not answer within {timeout:.0f} s")


def nginx_conf(port: int, nodes: list[int]) -> Path:
    folder = BASE / "nginx"
    for sub in ("", "cache", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{node} max_fails=1 fail_timeout=3s;" for node in nodes)
    proxy = localdb.BASE_DIR / "deploy/nginx/geotrack-proxy.conf"
    conf = folder / "nginx.conf"
    conf.write_text(f"""
daemon on;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/tmp/body; proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fcgi; uwsgi_temp_path {folder}/tmp/uwsgi; scgi_temp_path {folder}/tmp/scgi;
    upstream geotrack_app {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 8m;
        location / {{
            proxy_pass http://geotrack_app;
            include {proxy};
            proxy_connect_timeout 2s;
            # The cluster test kills a node under writes: a POST that never reached it is retried on the
            # other (connection refused/reset before a byte was sent), never one that was answered.
            proxy_next_upstream error timeout non_idempotent;
        }}
    }}
}}
""")
    return conf


def up() -> dict:
    if STATE_FILE.exists():
        print(f"geotrack cluster already up ({STATE_FILE}); `make cluster-stop` first")
        return json.loads(STATE_FILE.read_text())
    started = time.monotonic()
    BASE.mkdir(parents=True, exist_ok=True)
    localdb._chown_postgres(BASE)
    primary = start_primary()
    env = {key: value for key, value in os.environ.items() if key not in {"PROMETHEUS_MULTIPROC_DIR"}}
    env.update({"DATABASE_URL": url(primary), "DJANGO_SETTINGS_MODULE": "geotrack.settings"})
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=localdb.BASE_DIR,
                   env=env, check=True)
    replica = start_replica(primary)

    redis_socket = BASE / "redis.sock"
    subprocess.run(["redis-server", "--port", "0", "--unixsocket", str(redis_socket), "--unixsocketperm", "700",
                    "--save", "", "--appendonly", "no", "--daemonize", "yes", "--dir", str(BASE),
                    "--pidfile", str(BASE / "redis.pid"), "--logfile", str(BASE / "redis.log")], check=True)
    s3_port = free_port()
    moto_pid = spawn("moto", [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)], env)
    wait_http(f"http://127.0.0.1:{s3_port}/moto-api/")
    s3 = f"http://127.0.0.1:{s3_port}"
    boto3.client("s3", endpoint_url=s3, aws_access_key_id="geotrack", aws_secret_access_key="geotrack",
                 region_name="us-east-1").create_bucket(Bucket=BUCKET)

    metrics = BASE / "metrics"
    metrics.mkdir(exist_ok=True)
    node_env = {**env, "DATABASE_REPLICA_URL": url(replica),
                "CACHE_BACKEND": "django.core.cache.backends.redis.RedisCache",
                "CACHE_LOCATION": f"unix://{redis_socket}?db=0",
                "DEFAULT_FILE_STORAGE": "storages.backends.s3.S3Storage", "AWS_S3_ENDPOINT_URL": s3,
                "AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_ACCESS_KEY_ID": "geotrack",
                "AWS_SECRET_ACCESS_KEY": "geotrack",
                # GDAL's /vsis3/ for imagery COGs, on the same store.
                "IMAGERY_LOCATION": posixpath.join("/vsis3", BUCKET, "imagery"), "AWS_S3_ENDPOINT": f"127.0.0.1:{s3_port}",
                "AWS_HTTPS": "NO", "AWS_VIRTUAL_HOSTING": "FALSE",
                "PROMETHEUS_MULTIPROC_DIR": str(metrics), "WORKER_HEARTBEAT_S": "2",
                "SNAPSHOT_MIN_INTERVAL_S": "0"}
    nodes = {}
    for name in ("a", "b"):
        port = free_port()
        pid = spawn(f"node-{name}", [str(VENV_BIN / "gunicorn"), "geotrack.wsgi", "-c", "deploy/gunicorn.conf.py",
                                     "-b", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
                                     "--control-socket", str(BASE / f"node-{name}.ctl")], node_env)
        nodes[name] = {"port": port, "pid": pid}
    workers = [spawn(f"worker-{n}", [sys.executable, "manage.py", "run_worker", "--interval", "0.5",
                                     "--worker-id", f"cluster-{n}"], node_env) for n in (1, 2)]
    for node in nodes.values():
        wait_http(f"http://127.0.0.1:{node['port']}")
    nginx_port = free_port()
    conf = nginx_conf(nginx_port, [node["port"] for node in nodes.values()])
    subprocess.run(["nginx", "-p", str(conf.parent), "-c", str(conf)], check=True, capture_output=True)
    wait_http(f"http://127.0.0.1:{nginx_port}")
    state = {"nodes": nodes, "workers": workers, "nginx": {"port": nginx_port, "conf": str(conf)},
             "moto": {"pid": moto_pid, "url": s3}, "redis": {"socket": str(redis_socket)},
             "primary": {"socket": str(primary), "data": str(_dirs("primary")[0])},
             "replica": {"socket": str(replica), "data": str(_dirs("replica")[0])},
             "env": node_env, "seconds_to_come_up": round(time.monotonic() - started, 1)}
    STATE_FILE.write_text(json.dumps(state, indent=1))
    print(f"geotrack cluster up in {state['seconds_to_come_up']} s: nginx http://127.0.0.1:{nginx_port}/ "
          f"nodes {[n['port'] for n in nodes.values()]}, state {STATE_FILE}")
    return state


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def down() -> None:
    if STATE_FILE.exists():
        state = json.loads(STATE_FILE.read_text())
        conf = Path(state["nginx"]["conf"])
        subprocess.run(["nginx", "-p", str(conf.parent), "-c", str(conf), "-s", "stop"], capture_output=True)
        for pid in [node["pid"] for node in state["nodes"].values()] + state["workers"] + [state["moto"]["pid"]]:
            _kill_group(pid)
        STATE_FILE.unlink()
    if (BASE / "redis.pid").exists():
        try:
            os.kill(int((BASE / "redis.pid").read_text().strip()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass
    for name in ("replica", "primary"):
        data, _ = _dirs(name)
        if (data / "PG_VERSION").exists():
            _pg(str(PG_BIN / "pg_ctl"), "stop", "-m", "fast", "-D", str(data), check=False)
    # A cluster is throwaway: the next `up` starts from nothing, so tests always see the same world.
    shutil.rmtree(BASE, ignore_errors=True)
    print("geotrack cluster stopped")


def promote() -> None:
    """The documented fail-over: stop the primary (if it still runs), promote the replica."""
    primary, _ = _dirs("primary")
    replica, _ = _dirs("replica")
    # A clean stop sends every WAL record to the connected replica before the primary exits, so
    # every acknowledged write is on the replica when it is promoted.
    _pg(str(PG_BIN / "pg_ctl"), "stop", "-m", "fast", "-D", str(primary), check=False)
    _pg(str(PG_BIN / "pg_ctl"), "promote", "-w", "-D", str(replica))
    print("geotrack cluster: replica promoted; point DATABASE_URL at its socket and restart the nodes")


def main(argv: list[str]) -> int:
    commands = {"up": up, "down": down, "promote": promote,
                "status": lambda: print(STATE_FILE.read_text() if STATE_FILE.exists() else "down")}
    if len(argv) != 2 or argv[1] not in commands:
        print(f"usage: {argv[0]} {'|'.join(commands)}", file=sys.stderr)
        return 2
    commands[argv[1]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
