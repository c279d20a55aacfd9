"""The background worker: django-tasks' database worker that survives the database going away.

- A lost or refused connection (restart, failover, network) never ends the process: the worker closes
  its connections and tries again with exponential backoff (0.5 s doubling to WORKER_MAX_BACKOFF_S).
- A job whose connection broke while it ran is not marked failed: it goes back to READY and runs
  again, so jobs must be idempotent (ours are: they recompute and overwrite, or check what is done).
- Every WORKER_HEARTBEAT_S the worker upserts its row in WorkerHeartbeat (and touches a heartbeat
  file when WORKER_HEARTBEAT_FILE is set). /readyz reads the rows.
- Jobs left RUNNING by a worker whose heartbeat is older than WORKER_STALE_S (killed, machine lost)
  are put back in the queue by any live worker.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from geotrack.core.faults import is_database_unavailable
from geotrack.core.models import WorkerHeartbeat

logger = logging.getLogger("geotrack.worker")


def heartbeat_seconds() -> float:
    return float(settings.GEOTRACK.get("WORKER_HEARTBEAT_S", 5))


def stale_seconds() -> float:
    return float(settings.GEOTRACK.get("WORKER_STALE_S", 30))


def live_workers():
    return WorkerHeartbeat.objects.filter(beat_at__gte=timezone.now() - timezone.timedelta(seconds=stale_seconds()))


def requeue_orphans() -> int:
    """Put back in the queue the jobs RUNNING on workers without a fresh heartbeat. Returns how many."""
    alive = set(live_workers().values_list("worker_id", flat=True))
    count = 0
    with transaction.atomic():
        for job in DBTaskResult.objects.running().select_for_update(skip_locked=True):
            owner = job.worker_ids[-1] if job.worker_ids else None
            if owner not in alive:
                DBTaskResult.objects.filter(pk=job.pk).update(status=TaskResultStatus.READY, started_at=None)
                count += 1
    if count:
        logger.warning("put %d job(s) of lost workers back in the queue", count)
    return count


class ResilientWorker(Worker):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hostname = socket.gethostname()
        self.started_at = timezone.now()
        self.last_beat = 0.0
        self.heartbeat_file = Path(settings.GEOTRACK["WORKER_HEARTBEAT_FILE"]) \
            if settings.GEOTRACK.get("WORKER_HEARTBEAT_FILE") else None

    def beat(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_beat < heartbeat_seconds():
            return
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"hostname": self.hostname[:200], "pid": os.getpid(), "started_at": self.started_at,
                      "beat_at": timezone.now()})
        # Rows of workers dead for long are dropped; their jobs were requeued long before.
        WorkerHeartbeat.objects.filter(beat_at__lt=timezone.now() - timezone.timedelta(hours=1)).delete()
        requeue_orphans()
        if self.heartbeat_file:
            self.heartbeat_file.touch()
        self.last_beat = now

    def requeue_own(self) -> None:
        """After a lost connection: a job this worker had claimed is not running any more; queue it again."""
        mine = DBTaskResult.objects.running().filter(worker_ids__contains=[self.worker_id])
        for job in mine:
            if job.worker_ids and job.worker_ids[-1] == self.worker_id:
                DBTaskResult.objects.filter(pk=job.pk, status=TaskResultStatus.RUNNING).update(
                    status=TaskResultStatus.READY, started_at=None)
                logger.warning("job %s (%s) interrupted by the database; queued again", job.pk, job.task_path)

    def run(self) -> None:
        backoff = 0.5
        max_backoff = float(settings.GEOTRACK.get("WORKER_MAX_BACKOFF_S", 10))
        lost = False
        while self.running:
            try:
                close_old_connections()
                if lost:
                    self.requeue_own()
                    logger.warning("database reachable again; worker %s resumes", self.worker_id)
                    lost = False
                self.beat(force=True)
                backoff = 0.5
                self._loop()
                return
            except Exception as exc:
                if not is_database_unavailable(exc):
                    raise
                lost = True
                first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                logger.warning("database unavailable (%s); worker retries in %.1f s", first_line, backoff)
                for connection in connections.all(initialized_only=True):
                    connection.close()
                self.sleep(backoff)
                backoff = min(backoff * 2, max_backoff)

    def sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while self.running and time.monotonic() < end:
            time.sleep(max(0.0, min(0.2, end - time.monotonic())))

    def _loop(self) -> None:
        """django-tasks' polling loop (db_worker.Worker.run) with a heartbeat; returns when asked to stop."""
        while self.running:
            close_old_connections()
            self.beat()
            tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
            if not self.process_all_queues:
                tasks = tasks.filter(queue_name__in=self.queue_names)
            if self.excluded_queue_names:
                tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
            if task_result is not None:
                self.run_task(task_result)
            elif self.batch:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            close_old_connections()
            if self.running and not task_result:
                self.sleep(self.interval)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """As upstream, except that a job whose database went away is re-raised (and requeued), not failed."""
        stop_beating = threading.Event()
        beating = threading.Thread(target=self._beat_while_running, args=(stop_beating,), daemon=True)
        try:
            self.running_task = True
            self.beat()
            beating.start()
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                value = task.call(TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs)
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except BaseException as exc:
            if is_database_unavailable(exc):
                raise
            db_task_result.set_failed(exc)
            try:
                task_finished.send(sender=type(db_task_result.task.get_backend()),
                                   task_result=db_task_result.task_result)
            except Exception:  # noqa: BLE001 - a task that cannot even be loaded: logged, not fatal
                logger.exception("task %s failed unexpectedly", db_task_result.pk)
        finally:
            stop_beating.set()
            if beating.is_alive():
                beating.join(timeout=5)
            self.running_task = False
            self._run_tasks += 1

    def _beat_while_running(self, stop: threading.Event) -> None:
        """A long job keeps its worker's heartbeat fresh, so no other worker takes its job for orphaned."""
        try:
            while not stop.wait(heartbeat_seconds()):
                try:
                    WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(beat_at=timezone.now())
                    if self.heartbeat_file:
                        self.heartbeat_file.touch()
                except Exception as exc:  # noqa: BLE001 - the database is away: the main loop handles it
                    logger.warning("heartbeat failed: %s", exc)
                    connection.close()
        finally:
            connection.close()

    def stop_beating(self) -> None:
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except Exception as exc:  # noqa: BLE001 - leaving while the database is away: the beat goes stale
            logger.warning("could not remove the heartbeat: %s", exc)
