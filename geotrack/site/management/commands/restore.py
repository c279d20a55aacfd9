"""`manage.py restore DIR`: a backup made by `manage.py backup`, onto an empty database and media store."""
from __future__ import annotations

import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geotrack.core.backup import BackupError, restore


class Command(BaseCommand):
    help = ("Restore DIR (made by `backup`) onto an empty database, whose extensions the superuser created, "
            "and an empty media store; every checksum is verified first.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder, **options):
        try:
            manifest = restore(folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except subprocess.CalledProcessError as exc:
            raise CommandError(f"pg_restore failed: {exc.stderr.strip()}") from exc
        self.stdout.write(f"geotrack: restored {sum(manifest['database']['rows'].values())} rows and "
                          f"{len(manifest['media'])} media files from {folder}")
