"""Backups: the database in pg_dump's custom format, the media store file by file, a manifest with checksums.

`backup(folder)` writes
    folder/database.dump   pg_dump -Fc of the application's database (no owners, no privileges)
    folder/media/...       every file of the default storage (local folder or S3), same relative paths
    folder/manifest.json   format, time, versions, sha256 and size of every file, row counts per table
`restore(folder)` verifies every checksum first, refuses a database that already has tables of ours or a
media store that already has files, restores the dump as the application's role (extensions, which the
cluster's superuser creates at set-up, are left out of the restore list) and copies the media back.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection

from geotrack.core.sql import Sql, identifier
from geotrack.lib import localdb

FORMAT = 1
DUMP = "database.dump"
MANIFEST = "manifest.json"
# Entries of pg_restore's list that need a superuser or belong to the set-up: extensions and their comments,
# and PostGIS's own table (only user-added spatial reference systems would be in it).
_SKIPPED_ENTRIES = (" EXTENSION ", " COMMENT - EXTENSION ", "TABLE DATA public spatial_ref_sys ")


class BackupError(Exception):
    pass


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["-d", db["NAME"]]
    if db.get("HOST"):
        args += ["-h", db["HOST"]]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _pg_tool(name: str) -> str:
    candidate = localdb.PG_BIN / name
    return str(candidate) if candidate.exists() else name


def our_tables() -> list[str]:
    """Tables of the application in the public schema (not those of extensions), by name."""
    rows = Sql("""
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND d.deptype = 'e')
        ORDER BY c.relname""").fetchall()
    return [row[0] for row in rows]


def row_counts() -> dict[str, int]:
    return {table: Sql("SELECT count(*) FROM {table}").format(table=identifier(table)).fetchone()[0]
            for table in our_tables()}


def media_files(storage=default_storage, folder: str = "") -> list[str]:
    """Every file name in the storage, recursively, sorted."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in folders:
        names += media_files(storage, f"{folder}/{sub}" if folder else sub)
    return sorted(names)


def backup(folder: Path) -> dict:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty; back up into a new folder.")
    args, env = _pg_env()
    dump = folder / DUMP
    subprocess.run([_pg_tool("pg_dump"), "-Fc", "--no-owner", "--no-privileges", "-f", str(dump), *args],
                   env=env, check=True, capture_output=True, text=True)
    media = []
    for name in media_files():
        target = folder / "media" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, open(target, "wb") as out:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                out.write(chunk)
        media.append({"path": name, "bytes": target.stat().st_size, "sha256": sha256(target)})
    server_version = Sql("SELECT current_setting('server_version'), postgis_lib_version()").fetchone()
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "postgresql": server_version[0], "postgis": server_version[1],
        "database": {"file": DUMP, "bytes": dump.stat().st_size, "sha256": sha256(dump), "rows": row_counts()},
        "media": media,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


def verify(folder: Path) -> dict:
    """Read the manifest and check every checksum; raise BackupError naming the first file that differs."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"no readable {MANIFEST} in {folder}: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    entries = [(folder / manifest["database"]["file"], manifest["database"]["sha256"])]
    entries += [(folder / "media" / item["path"], item["sha256"]) for item in manifest["media"]]
    for path, expected in entries:
        if not path.is_file() or sha256(path) != expected:
            raise BackupError(f"{path} is missing or differs from its checksum in the manifest")
    return manifest


def restore(folder: Path) -> dict:
    folder = Path(folder)
    manifest = verify(folder)
    if Sql("SELECT to_regclass('public.django_migrations') IS NOT NULL").fetchone()[0]:
        raise BackupError("the database is not empty (it has tables of geotrack); restore into an empty one.")
    if media_files():
        raise BackupError("the media store is not empty; restore into an empty one.")
    args, env = _pg_env()
    dump = folder / manifest["database"]["file"]
    listing = subprocess.run([_pg_tool("pg_restore"), "-l", str(dump)], check=True, capture_output=True,
                             text=True).stdout
    kept = [line for line in listing.splitlines() if not any(marker in line for marker in _SKIPPED_ENTRIES)]
    list_file = folder / ".restore-list"
    try:
        list_file.write_text("\n".join(kept) + "\n")
        connection.close()
        subprocess.run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                        "--single-transaction", "-L", str(list_file), *args, str(dump)],
                       env=env, check=True, capture_output=True, text=True)
    finally:
        list_file.unlink(missing_ok=True)
    for item in manifest["media"]:
        with open(folder / "media" / item["path"], "rb") as source:
            saved = default_storage.save(item["path"], File(source))
        if saved != item["path"]:
            raise BackupError(f"the media store renamed {item['path']} to {saved}")
    counts = row_counts()
    if counts != manifest["database"]["rows"]:
        differ = {t: (manifest["database"]["rows"].get(t), counts.get(t))
                  for t in set(counts) | set(manifest["database"]["rows"])
                  if counts.get(t) != manifest["database"]["rows"].get(t)}
        raise BackupError(f"row counts differ after the restore: {differ}")
    return manifest
