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
