"""python manage.py import_projects FILE [--dry-run] [--mapping JSON] [--crs EPSG:XXXX] [--user NAME]."""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.imports.reader import ImportFileError
from projects.imports.services import parse_mapping, projects_import


class Command(BaseCommand):
    help = ("Import projects from GeoJSON, GPKG, a zipped Shapefile, CSV (WKT or lon/lat columns) or FlatGeobuf. "
            "All or nothing: one invalid row rejects the file with a row-by-row report.")
    # Django's system checks import every URL conf and view (about a second) and check nothing an import
    # depends on; `manage.py check` and the servers' start-up run them.
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check every row; write nothing.")
        parser.add_argument("--mapping", help='Column mapping as JSON, e.g. {"title": "name", "region": "iso"}.')
        parser.add_argument("--crs", help="CRS of a file that has none (or to override it), e.g. EPSG:32642.")
        parser.add_argument("--user", help="Record the projects' history as this user.")

    def handle(self, *args, file: Path, dry_run: bool, mapping: str | None, crs: str | None,
               user: str | None, **options) -> None:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        author = get_user_model().objects.get(username=user) if user else AnonymousUser()
        started = time.monotonic()
        # The file is staged alone in a folder of ours (a link, no copy): GDAL finds no sidecar beside it
        # that the operator did not mean, whatever folder it came from.
        folder = Path(tempfile.mkdtemp(prefix="geotrack-import-"))
        staged = folder / f"upload{file.suffix.lower()}"
        staged.symlink_to(file.resolve())
        try:
            report = projects_import(path=staged, user=author, mapping=parse_mapping(mapping), crs=crs,
                                     dry_run=dry_run, progress=self._progress, source=file.name)
        except ImportFileError as exc:
            raise CommandError(f"{exc.field}: {exc}") from exc
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        self.stdout.write("")
        if not report.ok:
            self.stderr.write(json.dumps(report.as_dict()["errors"], ensure_ascii=False, indent=1))
            raise CommandError(report.detail())
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"{report.detail()} ({report.rows} rows in {seconds:.1f} s, "
                                             f"{report.rows / max(seconds, 1e-9):,.0f} rows/s)"))

    def _progress(self, stage: str, done: int, total: int) -> None:
        """A plain progress bar on stdout: no dependency, readable in logs."""
        width = 30
        filled = width * done // total if total else width
        line = f"\r{stage:>8} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        self.stdout.write(line, ending="")
        if hasattr(self.stdout, "flush"):
            self.stdout.flush()
        elif hasattr(sys.stdout, "flush"):
            sys.stdout.flush()
