"""Background work for cameras (django-tasks, run by `manage.py db_worker`)."""
from __future__ import annotations

from django_tasks import task

from geotrack.core.tasks import enqueue_again

from camera_sites.services import camera_status_sweep


@task()
def camera_status_sweep_task(repeat_seconds: int = 0) -> int:
    """Record cameras that went offline; with repeat_seconds, queue the next sweep (one chain at a time)."""
    changed = camera_status_sweep()
    enqueue_again(camera_status_sweep_task, repeat_seconds)
    return changed
