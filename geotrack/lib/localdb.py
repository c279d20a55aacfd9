"""The project-local PostGIS cluster used when DATABASE_URL is unset.

The cluster lives under /var/lib/geotrack/<checkout-key>/ so that the postgres
user can reach it even when the checkout sits under /root (mode 700). The key is
derived from the checkout's absolute path, so two checkouts never share a
cluster. The server listens only on a unix socket in that folder: no TCP port is
taken, so it never collides with a system PostgreSQL on 5432 or another checkout.

Roles: the cluster's superuser ``postgres`` only sets things up (roles, extensions,
the test template); the application connects as ``geotrack``, an ordinary role with
CREATEDB (so the test runner can make its own database) that owns the database
``geotrack``. It cannot read server files, run programs through COPY, or create
untrusted extensions. Extensions are made by the superuser in the database and in
``geotrack_template``, the template the test databases are copied from.

Run as ``python -m geotrack.lib.localdb start|stop|status|env``. This module needs
no Django, because the Makefile calls it before Django can be configured.
"""
from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
STATE_ROOT = Path(os.environ.get("GEOTRACK_STATE_ROOT", "/var/lib/geotrack"))
DB_NAME = "geotrack"
DB_USER = "geotrack"  # the application's own role: not a superuser, owns DB_NAME
SUPERUSER = "postgres"  # set-up only (roles, extensions, templates)
TEMPLATE_DB = "geotrack_template"  # test databases are copied from it (extensions included)
EXTENSIONS = ("postgis", "pg_trgm")
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def checkout_key(base_dir: Path = BASE_DIR) -> str:
    """Return a short, stable, readable key for one checkout."""
    digest = hashlib.sha1(str(base_dir).encode()).hexdigest()[:10]
    return f"{base_dir.name}-{digest}"


def state_dir(base_dir: Path = BASE_DIR) -> Path:
    return STATE_ROOT / checkout_key(base_dir)


def data_dir() -> Path:
    return state_dir() / "pgdata"


def socket_dir() -> Path:
    return state_dir() / "run"


def log_file() -> Path:
    return state_dir() / "postgres.log"


def _as_postgres(*args: str, check: bool = True, capture: bool = False) -> subprocess.CompletedProcess:
    command = list(args)
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=check, text=True, capture_output=capture)


def _chown_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


def is_running() -> bool:
    result = _as_postgres(str(PG_BIN / "pg_ctl"), "status", "-D", str(data_dir()), check=False, capture=True)
    return result.returncode == 0


def init() -> bool:
    """Create the cluster if it does not exist. Return True when it was created."""
    if (data_dir() / "PG_VERSION").exists():
        return False
    for folder in (state_dir(), socket_dir()):
        folder.mkdir(parents=True, exist_ok=True)
    if data_dir().exists():  # a half-made cluster from an interrupted run
        shutil.rmtree(data_dir())
    data_dir().mkdir()
    for path in (state_dir(), socket_dir(), data_dir()):
        _chown_postgres(path)
    os.chmod(data_dir(), 0o700)
    # C.UTF-8 makes ILIKE and upper()/lower() work on Cyrillic and Kazakh letters.
    _as_postgres(
        str(PG_BIN / "initdb"), "-D", str(data_dir()), "-U", SUPERUSER, "--auth=trust",
        "--encoding=UTF8", "--locale=C.UTF-8", capture=True,
    )
    with open(data_dir() / "postgresql.conf", "a") as conf:
        conf.write(
            "\n# geotrack: unix socket only, so no TCP port can collide\n"
            "listen_addresses = ''\n"
            f"unix_socket_directories = '{socket_dir()}'\n"
            "max_connections = 200\n"
            "shared_buffers = 256MB\n"
            "work_mem = 16MB\n"
        )
    return True


def start() -> None:
    created = init()
    if not is_running():
        log_file().touch()
        _chown_postgres(log_file())
        _as_postgres(
            str(PG_BIN / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(data_dir()),
            "-l", str(log_file()), capture=True,
        )
    _ensure_database()
    verb = "created" if created else "reused"
    print(f"geotrack: local PostGIS cluster {verb}, socket {socket_dir()}")


def _psql(database: str, sql: str) -> str:
    command = [str(PG_BIN / "psql"), "-h", str(socket_dir()), "-U", SUPERUSER, "-d", database,
               "-v", "ON_ERROR_STOP=1", "-tAc", sql]
    return subprocess.run(command, check=True, text=True, capture_output=True).stdout.strip()


# Objects made before the application had its own role (owned by the superuser) are handed to it;
# objects that belong to an extension (spatial_ref_sys, ...) stay with the superuser.
_REASSIGN_SQL = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relowner = 'postgres'::regrole AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype = 'e')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND c.relkind = 'S' AND d.deptype IN ('a', 'i'))  -- a column's sequence follows its table
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO geotrack',
                   CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                  WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.name);
  END LOOP;
END $$;
"""


def _ensure_database() -> None:
    """Roles, the application's database and the test template; idempotent, as the superuser."""
    if _psql("postgres", f"SELECT 1 FROM pg_roles WHERE rolname = '{DB_USER}'") != "1":
        _psql("postgres", f'CREATE ROLE "{DB_USER}" LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOREPLICATION')
    for database, owner in ((DB_NAME, DB_USER), (TEMPLATE_DB, SUPERUSER)):
        if _psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{database}'") != "1":
            _psql("postgres", f'CREATE DATABASE "{database}" OWNER "{owner}"')
        _psql("postgres", f'ALTER DATABASE "{database}" OWNER TO "{owner}"')
        for extension in EXTENSIONS:
            _psql(database, f'CREATE EXTENSION IF NOT EXISTS "{extension}"')
    _psql("postgres", f'ALTER DATABASE "{TEMPLATE_DB}" IS_TEMPLATE true')
    _psql(DB_NAME, _REASSIGN_SQL)


def stop() -> None:
    if data_dir().exists() and is_running():
        _as_postgres(str(PG_BIN / "pg_ctl"), "stop", "-m", "fast", "-D", str(data_dir()), capture=True)
        print("geotrack: local PostGIS cluster stopped")


def check_database_url(url: str) -> int:
    """Say in one line whether DATABASE_URL answers; return a process exit code."""
    import psycopg  # imported here: only this path needs it before Django starts

    conninfo = url.replace("postgis://", "postgresql://", 1)
    try:
        with psycopg.connect(conninfo, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"geotrack: DATABASE_URL does not answer ({reason})", file=sys.stderr)
        return 1
    print("geotrack: using the database at DATABASE_URL")
    return 0


def database_settings() -> dict:
    """Return Django DATABASES['default'] for the local cluster."""
    return {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": DB_NAME,
        "USER": DB_USER,
        "HOST": str(socket_dir()),
        "PORT": "",
        "TEST": {"TEMPLATE": TEMPLATE_DB},
    }


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        if url := os.environ.get("DATABASE_URL"):
            return check_database_url(url)
        start()
    elif command == "stop":
        stop()
    elif command == "status":
        print("running" if is_running() else "stopped", state_dir())
    elif command == "dir":
        print(state_dir())
    else:
        print(f"usage: {argv[0]} start|stop|status|dir", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
