"""Issue 17's two figures: the dashboard's recompute (a cache miss after a write) and /api/alerts/ uncached.

- recompute: one real write (a project's progress moves by a point and its updated_at, which fires the
  counters' triggers and moves the change token), then GET /api/dashboard/ over HTTP: the cached summary
  is keyed by the token, so the request recomputes. The write is timed apart.
- the same computation in-process (geotrack.site.dashboard._project_summary), from the counters and from
  the full queries (the counters switched off for the audience): what a recompute cost before.
- alerts: GET /api/alerts/ over HTTP (never cached).
For the anonymous public, an analyst (national role), an akimat of two regions and a ministry (role_users):
the akimat's two regions and the ministry's agency are the ones with the most private projects they may read
(the counters add those to the public buckets at read time, so they are the worst case of the data).
All interleaved, median of the rounds.
"""
from __future__ import annotations

import contextlib
import secrets
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

    kept = Audience.sql_over_public_flag, Audience.sql_over_links
    Audience.sql_over_public_flag = Audience.sql_over_links = lambda self, kind, alias: None
    try:
        yield
    finally:
        Audience.sql_over_public_flag, Audience.sql_over_links = kept


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


# The two regions with the most live private projects linked to them.
_BUSIEST_REGIONS_SQL = """
SELECT k.region_id FROM projects_projectregion k JOIN projects_project p ON p.id = k.project_id
WHERE NOT p.is_public AND p.archived_at IS NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2
"""
# The agency reading the most live private projects: its own, and those linked to an item bound to it.
_BUSIEST_AGENCY_SQL = """
SELECT x.agency_id FROM projects_project p CROSS JOIN LATERAL (
    SELECT p.agency_id
    UNION SELECT i.agency_id FROM projects_project_roadmap_items l
          JOIN projects_roadmapitem i ON i.id = l.roadmapitem_id WHERE l.project_id = p.id
    UNION SELECT c.agency_id FROM projects_project_roadmap_items l
          JOIN projects_roadmapitem_co_executors c ON c.roadmapitem_id = l.roadmapitem_id WHERE l.project_id = p.id) x
WHERE NOT p.is_public AND p.archived_at IS NULL AND x.agency_id IS NOT NULL
GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1
"""


def role_users() -> dict[str, tuple[str, object]]:
    """An akimat of the two busiest regions and a ministry of the busiest agency: {who: (knox token, audience)}."""
    from django.contrib.auth import get_user_model
    from knox.models import AuthToken

    from geotrack.core.sql import Sql
    from projects.access import audience_for
    from projects.models import Profile, Project

    regions = [region for (region,) in Sql(_BUSIEST_REGIONS_SQL).fetchall()]
    agency = Sql(_BUSIEST_AGENCY_SQL).value()
    chosen = {}
    for who, role in (("akimat", Profile.Role.AKIMAT), ("ministry", Profile.Role.MINISTRY)):
        user = get_user_model().objects.filter(username=f"bench-{who}").first()
        if user is None:
            user = get_user_model().objects.create_user(f"bench-{who}", password=secrets.token_urlsafe(16))
            Profile.objects.create(user=user, role=role)
        if role == Profile.Role.AKIMAT:
            user.profile.regions.set(regions)
        else:
            user.profile.agencies.set([agency])
        _, token = AuthToken.objects.create(user=user)
        chosen[who] = (token, audience_for(user))
    private = {who: audience.filter(Project.objects.filter(is_public=False), "project").count()
               for who, (_token, audience) in chosen.items()}
    print(f"  akimat of regions {regions}: {private['akimat']} private projects readable; ministry of agency "
          f"{agency}: {private['ministry']}")
    return chosen


def runners(server: Server, conn: psycopg.Connection, creds: Credentials) -> dict[str, Callable[[], float]]:
    from projects.access import Audience

    project_id = conn.execute("SELECT min(id) FROM projects_project").fetchone()[0]
    chosen: dict[str, Callable[[], float]] = {}
    roles = role_users()
    callers = [("anonymous", headers_for("anonymous", creds)), ("analyst", headers_for("token", creds))]
    callers += [(who, {"Authorization": f"Token {token}"}) for who, (token, _audience) in roles.items()]
    for who, headers in callers:

        def write() -> float:
            started = time.perf_counter()
            conn.execute(_WRITE_SQL, [project_id])
            conn.commit()  # as a request's write: the triggers ran, the token moved
            return time.perf_counter() - started
        chosen[f"write ({who} round)"] = write
        chosen[f"recompute /api/dashboard/ {who}"] = lambda h=headers: http_get(server, "/api/dashboard/", h)
        chosen[f"/api/alerts/ {who}"] = lambda h=headers: http_get(server, "/api/alerts/", h)
    audiences = [("anonymous", Audience()), ("analyst", Audience(role="analyst", authenticated=True))]
    audiences += [(who, audience) for who, (_token, audience) in roles.items()]
    for who, audience in audiences:
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
    for who in ("anonymous", "analyst", "akimat", "ministry"):
        counted = medians[f"in-process recompute {who}, counters"]
        full = medians[f"in-process recompute {who}, full queries"]
        print(f"  in-process recompute {who}: counters / full queries = {counted / full:.2f}")
