"""Generated files do not pile up: exports, time-lapse GIFs, staged uploads and old job records.

Everything older than GENERATED_FILES_RETENTION_HOURS goes: files written for background jobs (export
files, time-lapse GIFs, kept import uploads), staged imagery left by an interrupted ingest, the
finished job records that pointed at them, and old rate counters. The worker runs the sweep every
hour (`manage.py sweep_generated --enqueue 3600`, started by `make run`).
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from geotrack.core.tasks import enqueue_again
from geotrack.core.throttle import sweep as sweep_rate_counters

# Folders under MEDIA_ROOT whose entries (files, or one folder per job) are generated, never kept.
LOCAL_FOLDERS = ("exports", "imports", "imagery/incoming")
STORAGE_PREFIXES = ("exports/timelapse",)


def _cutoff() -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=settings.GEOTRACK["GENERATED_FILES_RETENTION_HOURS"])


def _sweep_local(folder: Path, cutoff: float) -> int:
    removed = 0
    if not folder.is_dir():
        return 0
    for entry in folder.iterdir():
        try:
            newest = max((p.stat().st_mtime for p in [entry, *entry.rglob("*")]), default=entry.stat().st_mtime)
        except FileNotFoundError:
            continue
        if newest < cutoff:
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
            removed += 1
    return removed


def _sweep_storage(prefix: str, cutoff: dt.datetime) -> int:
    removed = 0
    try:
        folders, files = default_storage.listdir(prefix)
    except (FileNotFoundError, NotImplementedError, OSError):
        return 0
    for name in files:
        path = f"{prefix}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            removed += 1
    for folder in folders:
        removed += _sweep_storage(f"{prefix}/{folder}", cutoff)
    return removed


def generated_files_sweep() -> dict[str, int]:
    """Remove what is older than the retention period; return how much of each kind went."""
    cutoff = _cutoff()
    media = Path(settings.MEDIA_ROOT)
    files = sum(_sweep_local(media / folder, cutoff.timestamp()) for folder in LOCAL_FOLDERS)
    files += sum(_sweep_storage(prefix, cutoff) for prefix in STORAGE_PREFIXES)
    finished = [TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED]
    jobs, _kinds = DBTaskResult.objects.filter(status__in=finished, finished_at__lt=cutoff).delete()
    return {"files": files, "jobs": jobs, "rate_counters": sweep_rate_counters()}


@task()
def generated_files_sweep_task(repeat_seconds: int = 0) -> dict[str, int]:
    """The sweep in the worker; with repeat_seconds, queue the next one (one chain at a time)."""
    removed = generated_files_sweep()
    enqueue_again(generated_files_sweep_task, repeat_seconds)
    return removed
