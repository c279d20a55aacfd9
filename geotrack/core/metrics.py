"""Prometheus metrics (prometheus-client, the reference client; django-prometheus would add its own
per-model and per-cache counters, middleware pair and a migration-time dependency, while we need a
handful of series named after our route templates, and multi-process support under gunicorn, which
prometheus-client's multiprocess mode gives directly).

With PROMETHEUS_MULTIPROC_DIR set (make serve and the systemd units set it), every gunicorn worker
and background worker writes its samples to files there and `/metrics` sums them; gunicorn's
child_exit hook (deploy/gunicorn.conf.py) marks dead workers. Without it, the process's own registry.

Series:
- geotrack_http_requests_total{route,method,status}, geotrack_http_request_duration_seconds{route,method}
  (route is the URL pattern's name, so ids never multiply series), geotrack_http_request_db_seconds{route}
  and geotrack_http_request_db_queries{route} (database time and statements per request);
- geotrack_events_total{event}: snapshot_received, import_run, export_run (synchronous requests) and
  geotrack_jobs_finished_total{task,status} (background jobs, imports and exports included);
- gauges read from the database at scrape time (geotrack/site/health.py): job queue depth and oldest
  age by task, cameras online, workers alive.
"""
from __future__ import annotations

import os
import time

from django.conf import settings
from django.db import connections
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

MULTIPROC = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter("geotrack_http_requests", "HTTP requests answered, by route template, method and status.",
                   ["route", "method", "status"])
LATENCY = Histogram("geotrack_http_request_duration_seconds", "Time to answer a request, by route template.",
                    ["route", "method"], buckets=LATENCY_BUCKETS)
DB_TIME = Histogram("geotrack_http_request_db_seconds", "Database time spent by one request, by route template.",
                    ["route"], buckets=LATENCY_BUCKETS)
DB_QUERIES = Histogram("geotrack_http_request_db_queries", "Database statements run by one request.",
                       ["route"], buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500))
EVENTS = Counter("geotrack_events", "Things that happened: snapshots received, imports and exports run.", ["event"])
JOBS_FINISHED = Counter("geotrack_jobs_finished", "Background jobs finished, by task and final status.",
                        ["task", "status"])

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# URL names whose successful answers are events worth counting on their own.
EVENT_ROUTES = {
    ("camera-snapshots", "POST"): "snapshot_received",
    ("import-projects", "POST"): "import_run",
    ("export", "GET"): "export_run",
    ("export-oc4ids", "GET"): "export_run",
}


class _QueryTimer:
    def __init__(self):
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.count += 1


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._series: dict[tuple[str, str, str], tuple] = {}  # a route's children, looked up once

    def __call__(self, request):
        start = time.perf_counter()
        timer = _QueryTimer()
        # What connection.execute_wrapper() does, without a context manager per connection per request.
        timed = [connections[alias].execute_wrappers for alias in settings.DATABASES]
        for wrappers in timed:
            wrappers.append(timer)
        try:
            response = self.get_response(request)
        finally:
            for wrappers in timed:
                wrappers.pop()
        route = route_of(request)
        method = request.method if request.method in METHODS else "other"
        requests, latency, db_time, db_queries = self._children(route, method, str(response.status_code))
        requests.inc()
        latency.observe(time.perf_counter() - start)
        db_time.observe(timer.seconds)
        db_queries.observe(timer.count)
        if 200 <= response.status_code < 300:
            name = getattr(getattr(request, "resolver_match", None), "url_name", None)
            if event := EVENT_ROUTES.get((name, method)):
                EVENTS.labels(event).inc()
        return response

    def _children(self, route: str, method: str, status: str) -> tuple:
        key = (route, method, status)
        children = self._series.get(key)
        if children is None:  # route names and statuses are few: the dictionary stays small
            children = (REQUESTS.labels(route, method, status), LATENCY.labels(route, method),
                        DB_TIME.labels(route), DB_QUERIES.labels(route))
            self._series[key] = children
        return children


def job_finished(sender, task_result, **kwargs) -> None:
    """django-tasks' task_finished signal: count the job by task name and status."""
    task_name = getattr(getattr(task_result, "task", None), "name", None) or "unknown"
    JOBS_FINISHED.labels(task_name, str(getattr(task_result, "status", "unknown"))).inc()


def exposition(extra_collectors=()) -> bytes:
    """The text exposition: every process's samples (multiprocess mode) or this one's, plus extra collectors."""
    if MULTIPROC:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = DEFAULT_REGISTRY
    extra = CollectorRegistry()
    for collector in extra_collectors:
        extra.register(collector)
    return generate_latest(registry) + generate_latest(extra)
