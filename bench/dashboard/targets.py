"""Issue 17's two figures: the dashboard's recompute (a cache miss after a write) and /api/alerts/ uncached.

- recompute: one real write (a project's progress moves by a point and its updated_at, which fires the
  counters' triggers and moves the change token), then GET /api/dashboard/ over HTTP: the cached summary
  is keyed by the token, so the request recomputes. The write is timed apart.
- the same computation in-process (geotrack.site.dashboard._project_summary), from the counters and from
  the full queries (the counters switched off for the audience): what a recompute cost before.
- alerts: GET /api/alerts/ over HTTP (never cached).
All interleaved, median of the rounds.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import psycopg

from bench.common import Server, interleaved, median
from bench.dashboard.measure import Credentials, headers_for, http_get

RECOMPUTE_TARGET_S = 0.5
ALERTS_TARGET_S = 0.3

_WRITE_SQL = """
UPDATE projects_project SET updated_at = now(), physical_progress =
    CASE WHEN physical_progress >= 50 THEN physical_progress - 1 ELSE physical_progress + 1 END
WHERE id = %s
"""


@contextlib.contextmanager
def counters_off():
    """Every audience answered by the full queries, as before the counters."""
    from projects.access import Audience

    kept = Audience.sql_over_public_flag
    Audience.sql_over_public_flag = lambda self, kind, alias: None
    try:
        yield
    finally:
        Audience.sql_over_public_flag = kept


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _in_process(audience, *, counted: bool) -> Callable[[], float]:
    from django.utils import translation

    from geotrack.site.dashboard import _project_summary

    def run() -> float:
        with translation.override("en"), (contextlib.nullcontext() if counted else counters_off()):
            return _timed(lambda: _project_summary(audience=audience))
    return run


def runners(server: Server, conn: psycopg.Connection, creds: Credentials) -> dict[str, Callable[[], float]]:
    from projects.access import Audience

    project_id = conn.execute("SELECT min(id) FROM projects_project").fetchone()[0]
    chosen: dict[str, Callable[[], float]] = {}
    for caller in ("anonymous", "token"):
        headers = headers_for(caller, creds)
        who = "analyst" if caller == "token" else caller

        def write() -> float:
            started = time.perf_counter()
            conn.execute(_WRITE_SQL, [project_id])
            conn.commit()  # as a request's write: the triggers ran, the token moved
            return time.perf_counter() - started
        chosen[f"write ({who} round)"] = write
        chosen[f"recompute /api/dashboard/ {who}"] = lambda h=headers: http_get(server, "/api/dashboard/", h)
        chosen[f"/api/alerts/ {who}"] = lambda h=headers: http_get(server, "/api/alerts/", h)
    for who, audience in (("anonymous", Audience()), ("analyst", Audience(role="analyst", authenticated=True))):
        chosen[f"in-process recompute {who}, counters"] = _in_process(audience, counted=True)
        chosen[f"in-process recompute {who}, full queries"] = _in_process(audience, counted=False)
    return chosen


def measure(server: Server, conn: psycopg.Connection, creds: Credentials, rounds: int) -> None:
    """Print the two figures beside their targets, and what the full queries cost on the same data.

    conn: a connection of its own for the writes (each committed at once).
    """
    started = time.perf_counter()
    times = interleaved(runners(server, conn, creds), rounds=rounds, warmup=1)
    medians = {name: median(values) for name, values in times.items()}
    print(f"\n== issue 17 targets: medians of {rounds} interleaved rounds after a warm-up "
          f"({time.perf_counter() - started:.0f} s) ==")
    for name, seconds in medians.items():
        target = (RECOMPUTE_TARGET_S if name.startswith("recompute") else
                  ALERTS_TARGET_S if name.startswith("/api/alerts/") else None)
        verdict = "" if target is None else (
            f"  target <= {target * 1000:.0f} ms: {'MET' if seconds <= target else 'MISSED'} "
            f"({seconds / target:.2f} of it)")
        print(f"  {name:<48} {seconds * 1000:9.1f} ms{verdict}")
    for who in ("anonymous", "analyst"):
        counted = medians[f"in-process recompute {who}, counters"]
        full = medians[f"in-process recompute {who}, full queries"]
        print(f"  in-process recompute {who}: counters / full queries = {counted / full:.2f}")
