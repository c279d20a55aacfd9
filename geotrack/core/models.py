"""Rate counters shared by every process and node (the database is the one store they all reach)."""
from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """How many times a key was hit in one fixed window (geotrack/core/throttle.py)."""

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="rate_counter_window_unique")]
        indexes = [models.Index(fields=["window_start"])]


class WorkerHeartbeat(models.Model):
    """One row per running background worker, touched every few seconds (geotrack/core/worker.py).

    /readyz calls the workers alive when a beat is fresh; a job left RUNNING by a worker whose beat
    went stale is put back in the queue by the next worker that looks.
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=200)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)


class IdempotencyKey(models.Model):
    """The first answer to a write sent with an Idempotency-Key (geotrack/core/idempotency.py).

    A key is the caller's own (a UUID made on the device); the same key from another caller is
    another record. Kept for a retention period (settings.GEOTRACK["IDEMPOTENCY_RETENTION_HOURS"]).
    """

    key = models.CharField(max_length=100)
    caller = models.CharField(max_length=100)
    scope = models.CharField(max_length=100)
    status = models.PositiveSmallIntegerField(null=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "scope", "key"], name="idempotency_key_unique")]
        indexes = [models.Index(fields=["created_at"])]
