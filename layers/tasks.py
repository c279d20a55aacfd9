"""Background work of the layers app, run by django-tasks' database worker (manage.py db_worker).

The raster modules are imported inside the tasks: the admin imports this module, and loading rasterio and
rio-tiler at start-up (~0.5 s) would be paid by every manage.py command, imports included.
"""
from __future__ import annotations

from pathlib import Path

from django_tasks import task

from layers.models import Imagery


@task()
def imagery_ingest_task(imagery_id: int, staged_path: str) -> str:
    """Convert a staged upload to the image's COG, then refresh the evidence of the projects it covers."""
    from layers.imagery_services import imagery_ingest, projects_covered_by

    imagery = imagery_ingest(imagery_id=imagery_id, staged=Path(staged_path))
    if imagery.status == Imagery.Status.READY:
        project_ids = projects_covered_by(imagery=imagery)
        if project_ids:
            evidence_refresh_task.enqueue(project_ids)
    return imagery.status


@task()
def evidence_refresh_task(project_ids: list[int]) -> int:
    """Recompute the ground-change evidence of some projects; return how many image pairs."""
    from layers.change import evidence_refresh

    return evidence_refresh(project_ids=project_ids)
