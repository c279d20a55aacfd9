"""backup then restore onto an empty database and media store: same rows, same geometries, same files."""
from __future__ import annotations

import hashlib
import json
import subprocess
import uuid

import psycopg
import pytest
from django.contrib.gis.geos import LineString, Point
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from projects.models import Project
from projects.services import project_save
from tests.ops import live

pytestmark = pytest.mark.django_db(transaction=True)


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([live.PYTHON, "manage.py", *args], cwd=live.BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=300)


def connect(name: str) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(host=settings["HOST"], port=settings["PORT"] or None, user=settings["USER"],
                           dbname=name, autocommit=True)


def test_backup_and_restore_round_trip(people, agency, tmp_path, settings):
    for n in range(25):
        geom = Point(71.4 + n / 100, 51.1, srid=4326) if n % 2 else \
            LineString((76.9, 43.2), (76.9 + n / 50, 43.3 + n / 100), srid=4326)
        project_save(project=Project(title=f"Школа {n} <b>", sector="education", kind="infrastructure",
                                     agency=agency, geom=geom, is_public=bool(n % 3), status="implementation"))
    files = {"snapshots/2026/12/01/cam-1.jpg": b"\xff\xd8\xff" + bytes(range(256)) * 40,
             "imagery/cog-7.tif": b"II*\x00" + b"\x01" * 5000, "exports/ünïcode name.csv": "a,b\n1,2\n".encode()}
    for name, content in files.items():
        default_storage.save(name, ContentFile(content))
    env = live.environment()

    folder = tmp_path / "backup"
    call_command("backup", str(folder))  # in this process: the test database, MEDIA_ROOT of this test
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["rows"]["projects_project"] == 25
    assert {item["path"] for item in manifest["media"]} == set(files)

    target_db = f"restore_{uuid.uuid4().hex[:10]}"
    with connect("postgres") as admin:  # as the app's role: CREATEDB, a copy of the template with the extensions
        admin.execute(f'CREATE DATABASE "{target_db}" TEMPLATE geotrack_template')
    try:
        target_env = {**env, "DATABASE_URL": env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{target_db}",
                      "MEDIA_ROOT": str(tmp_path / "restored-media")}
        restored = manage("restore", str(folder), env=target_env)
        assert restored.returncode == 0, restored.stderr
        # Restoring twice is refused: the database is no longer empty.
        again = manage("restore", str(folder), env=target_env)
        assert again.returncode != 0 and "not empty" in again.stderr

        with connect(target_db) as restored_db, connection.cursor() as source:
            for table, count in manifest["database"]["rows"].items():
                assert restored_db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == count, table
            query = "SELECT id, title, ST_AsEWKB(geom) FROM projects_project ORDER BY id"
            source.execute(query)
            original = [(pk, title, bytes(geom)) for pk, title, geom in source.fetchall()]
            copied = [(pk, title, bytes(geom)) for pk, title, geom in restored_db.execute(query).fetchall()]
            assert copied == original and len(copied) == 25
        for name, content in files.items():
            restored_file = tmp_path / "restored-media" / name
            assert hashlib.sha256(restored_file.read_bytes()).hexdigest() == hashlib.sha256(content).hexdigest()

        # A backup whose file was altered is refused before anything is written.
        (folder / "media" / "imagery" / "cog-7.tif").write_bytes(b"tampered")
        with pytest.raises(CommandError, match="checksum"):
            call_command("restore", str(folder))
    finally:
        with connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target_db}" WITH (FORCE)')
