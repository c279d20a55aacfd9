"""Ingest a raster as imagery: validate, convert to a web-optimised COG, record its footprint."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from layers import imagery_services
from layers.models import Imagery
from layers.tasks import evidence_refresh_task
from projects.models import Project


class Command(BaseCommand):
    help = "Ingest FILE (any raster GDAL reads) as imagery, with a progress bar, and refresh change evidence."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--project", type=int, help="project id the image belongs to")
        parser.add_argument("--acquired", type=dt.date.fromisoformat, help="acquisition date, YYYY-MM-DD")
        parser.add_argument("--title", default="")
        parser.add_argument("--source", default="", help="sensor, e.g. 'Landsat-7 ETM+' (sets band names)")
        parser.add_argument("--public", action="store_true", help="visible to anonymous callers")

    def handle(self, *args, file: Path, project: int | None, acquired, title: str, source: str, public: bool,
               **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        linked = None
        if project is not None:
            linked = Project.objects.filter(pk=project).first()
            if linked is None:
                raise CommandError(f"No project with id {project}.")
        fields = imagery_services.ImageryFields(title=title, acquired_on=acquired, source=source, is_public=public,
                                                project=linked)
        try:
            staged = imagery_services.imagery_stage(upload=file)
            imagery = imagery_services.imagery_submit(staged=staged, fields=fields, filename=file.name)
        except imagery_services.ImageryRejected as exc:
            raise CommandError(str(exc)) from exc
        # An operator's command may block: convert here, with rio-cogeo's progress bar on stderr.
        imagery = imagery_services.imagery_ingest(imagery_id=imagery.pk, staged=staged, quiet=options["verbosity"] < 1)
        if imagery.status != Imagery.Status.READY:
            raise CommandError(f"Imagery {imagery.pk} failed: {imagery.error}")
        project_ids = imagery_services.projects_covered_by(imagery=imagery)
        if project_ids:
            evidence_refresh_task.enqueue(project_ids)
        self.stdout.write(f"Imagery {imagery.pk} ready: {imagery.cog_uri} ({imagery.band_count} bands, "
                          f"{imagery.resolution_m:.1f} m); change evidence queued for {len(project_ids)} project(s).")
