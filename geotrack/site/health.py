"""Operator endpoints: /readyz (may this node take traffic?) and /metrics (Prometheus text format).

/healthz (geotrack/site/api.py) says only whether the database answers; /readyz also says whether a
background worker is alive (a fresh heartbeat) and the queue moves (the oldest ready job is young),
and names what is wrong in a 503. Neither needs a session or a user, and neither is cached.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client.core import GaugeMetricFamily

from camera_sites.models import Camera
from geotrack.core import metrics
from geotrack.core.faults import is_database_unavailable
from geotrack.core.worker import live_workers


def ready_jobs_by_task(now: dt.datetime) -> dict[str, tuple[int, float]]:
    """{task path: (ready jobs, age in seconds of the oldest)}: age counts from when a job became runnable."""
    result: dict[str, tuple[int, float]] = {}
    date_max = get_date_max()
    for immediate in (True, False):
        jobs = DBTaskResult.objects.ready()
        jobs = jobs.filter(run_after=date_max) if immediate else jobs.exclude(run_after=date_max)
        since = "enqueued_at" if immediate else "run_after"
        for row in jobs.values("task_path").annotate(n=Count("id"), oldest=Min(since)):
            count, age = result.get(row["task_path"], (0, 0.0))
            result[row["task_path"]] = (count + row["n"], max(age, (now - row["oldest"]).total_seconds()))
    return result


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, a worker beats and the oldest ready job is young; else 503 naming why."""
    checks: dict[str, dict] = {}
    problems: list[str] = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except DatabaseError as exc:
        checks["database"] = {"ok": False, "detail": (str(exc).strip().splitlines() or ["unreachable"])[0]}
        problems.append("database: unreachable")
    if checks["database"]["ok"]:
        try:
            now = timezone.now()
            workers = list(live_workers().values("worker_id", "hostname", "beat_at"))
            checks["worker"] = {"ok": bool(workers), "alive": len(workers),
                                "last_beat": max((w["beat_at"] for w in workers), default=None)}
            if not workers:
                problems.append(f"worker: no heartbeat in the last {settings.GEOTRACK['WORKER_STALE_S']:.0f} s")
            jobs = ready_jobs_by_task(now)
            oldest = max((age for _, age in jobs.values()), default=0.0)
            limit = settings.GEOTRACK["READY_MAX_JOB_AGE_S"]
            checks["jobs"] = {"ok": oldest <= limit, "ready": sum(n for n, _ in jobs.values()),
                              "oldest_ready_age_s": round(oldest, 1), "limit_s": limit}
            if oldest > limit:
                problems.append(f"jobs: the oldest ready job has waited {oldest:.0f} s (limit {limit} s)")
        except DatabaseError as exc:
            if not is_database_unavailable(exc):
                raise
            checks["database"] = {"ok": False, "detail": "lost during the checks"}
            problems.append("database: unreachable")
    body = {"status": "ok" if not problems else "unavailable", "problems": problems, "checks": checks}
    response = JsonResponse(body, status=200 if not problems else 503)
    if problems:
        response["Retry-After"] = "5"
    return response


class DatabaseGauges:
    """Gauges read from the database when /metrics is scraped (any node answers the same)."""

    def collect(self):
        now = timezone.now()
        depth = GaugeMetricFamily("geotrack_jobs_ready", "Background jobs ready to run, by task.", labels=["task"])
        age = GaugeMetricFamily("geotrack_jobs_oldest_ready_age_seconds",
                                "Seconds the oldest ready job of each task has waited.", labels=["task"])
        running = GaugeMetricFamily("geotrack_jobs_running", "Background jobs running, by task.", labels=["task"])
        for task_path, (count, oldest) in sorted(ready_jobs_by_task(now).items()):
            name = task_path.rsplit(".", 1)[-1]
            depth.add_metric([name], count)
            age.add_metric([name], oldest)
        for row in DBTaskResult.objects.running().values("task_path").annotate(n=Count("id")).order_by("task_path"):
            running.add_metric([row["task_path"].rsplit(".", 1)[-1]], row["n"])
        threshold = now - dt.timedelta(seconds=settings.GEOTRACK["CAMERA_OFFLINE_AFTER_SECONDS"])
        cameras = GaugeMetricFamily("geotrack_cameras", "Cameras, by whether they were heard from recently.",
                                    labels=["state"])
        online = Camera.objects.filter(last_seen_at__gte=threshold).count()
        cameras.add_metric(["online"], online)
        cameras.add_metric(["offline"], Camera.objects.count() - online)
        workers = GaugeMetricFamily("geotrack_workers_alive", "Background workers with a fresh heartbeat.",
                                    value=live_workers().count())
        return [depth, age, running, cameras, workers]


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    try:
        body = metrics.exposition([DatabaseGauges()])
    except DatabaseError as exc:
        if not is_database_unavailable(exc):
            raise
        body = metrics.exposition()  # the database's absence shows as geotrack_http_requests_total{status="503"}
    return HttpResponse(body, content_type="text/plain; version=0.0.4; charset=utf-8")
