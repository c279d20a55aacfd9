"""`manage.py backup DIR`: the database (pg_dump custom format) and the media store, with a manifest."""
from __future__ import annotations

import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geotrack.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump -Fc) and every media file into DIR, with sha256 checksums."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder, **options):
        try:
            manifest = backup(folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except subprocess.CalledProcessError as exc:
            raise CommandError(f"pg_dump failed: {exc.stderr.strip()}") from exc
        rows = sum(manifest["database"]["rows"].values())
        self.stdout.write(f"geotrack: backed up {rows} rows in {len(manifest['database']['rows'])} tables "
                          f"and {len(manifest['media'])} media files into {folder}")
