"""Capture each endpoint's SQL in-process, then time pages over HTTP and their queries alone, interleaved."""
from __future__ import annotations

import http.client
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from bench.common import Server, interleaved, median


@dataclass
class Endpoint:
    name: str
    path: str
    caller: str  # "anonymous", "session" or "token"
    queries: list[str] = field(default_factory=list)  # every statement the request ran, in order


@dataclass(frozen=True)
class Credentials:
    session: str
    token: str


# What each query family is, and what would make it cheaper.
FAMILIES = (
    ("progress_series", "generate_series(date_trunc('month'",
     "12-month progress_series: a LATERAL 'latest report before month end' per visible project and month "
     "(12 x ~700k index probes, plus a NOT EXISTS per probe for supersedes). Keep a monthly snapshot table "
     "(project, month, physical) written by progress_report_add, or aggregate it per region/agency per month "
     "in a materialised table refreshed by a django-task; or cache the series keyed by the change token."),
    ("regions_geojson", "per_region",
     "region aggregates: for the public and national roles, a sum over the region buckets of the counters; "
     "for akimats and ministries, the health CASE over every visible project joined to projects_projectregion."),
    ("roadmap_item_status", "per_item",
     "roadmap_item_status: for the public and national roles, a sum over the item buckets of the counters "
     "(projects/counts/); for akimats and ministries, the health CASE over every visible project."),
    ("national_kpis", "FILTER (WHERE health = 'on_track')",
     "national KPIs: health CASE over all visible projects. Same scan as regions/agencies/items: fold KPIs, "
     "per-agency and by-status counts into one pass (GROUPING SETS), or cache by the change token."),
    ("agencies", "FROM (SELECT p.agency_id",
     "per-agency aggregate: another full scan with the health CASE; fold into the KPI scan (GROUPING SETS)."),
    ("by_status", "GROUP BY p.status",
     "projects by status: a full scan; an index-only scan on (status) WHERE archived_at IS NULL AND is_public "
     "would serve anonymous callers, or fold into the KPI scan."),
    ("stale_alerts", "ORDER BY days DESC",
     "stale-project alerts: the LIMIT-th oldest through project_stale_idx, then only the projects less than "
     "a day younger; what remains is a parallel bitmap scan's start-up and the joins for 500 rows."),
    ("counters", "FROM projects_dashboardcountlive c",
     "KPIs, statuses and agencies summed over the counters' buckets (a few thousand rows) for the public and "
     "national roles."),
    ("camera_alerts", "camera_sites_cameralink", "camera alerts: empty camera tables here."),
    ("cameras", "camera_sites_camera c", "camera counts: empty camera tables here."),
)


def family(sql: str) -> str:
    for name, needle, _ in FAMILIES:
        if needle in sql:
            return name
    return "other"


def one_line(sql: str, width: int = 150) -> str:
    return re.sub(r"\s+", " ", sql).strip()[:width]


def make_analyst() -> Credentials:
    """Create an analyst with a database session (for /) and a knox token (for the API)."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from knox.models import AuthToken

    from projects.models import Profile

    user = get_user_model().objects.filter(username="bench-analyst").first()
    if user is None:
        user = get_user_model().objects.create_user("bench-analyst", password=secrets.token_urlsafe(16))
        Profile.objects.create(user=user, role=Profile.Role.ANALYST)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    _, token = AuthToken.objects.create(user=user)
    return Credentials(session=client.cookies["sessionid"].value, token=token)


def headers_for(caller: str, creds: Credentials) -> dict[str, str]:
    if caller == "session":
        return {"Cookie": f"sessionid={creds.session}"}
    if caller == "token":
        return {"Authorization": f"Token {creds.token}"}
    return {}


def capture(endpoint: Endpoint, creds: Credentials) -> list[str]:
    """Run the request in-process with the Django test client; return the SQL text of every query it ran."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    meta = {}
    if endpoint.caller == "session":
        client.cookies["sessionid"] = creds.session
    elif endpoint.caller == "token":
        meta["HTTP_AUTHORIZATION"] = f"Token {creds.token}"
    with CaptureQueriesContext(connection) as captured:
        response = client.get(endpoint.path, **meta)
    if response.status_code != 200:
        raise RuntimeError(f"{endpoint.name}: in-process status {response.status_code}")
    return [query["sql"] for query in captured.captured_queries]


def http_get(server: Server, path: str, headers: dict[str, str], timeout: float = 300.0) -> float:
    """GET over a fresh connection with extra headers (bench.common.http_get sends none); return seconds."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Accept": "text/html,application/json", **headers})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}: {body[:300]!r}")
    return time.perf_counter() - started


def query_runner(conn: psycopg.Connection, sql: str) -> Callable[[], float]:
    def run() -> float:
        started = time.perf_counter()
        conn.execute(sql).fetchall()  # no params: the text is Django's own, literals already bound
        return time.perf_counter() - started
    return run


def time_all(server: Server, conn: psycopg.Connection, endpoints: list[Endpoint], creds: Credentials,
             rounds: int) -> tuple[dict[str, float], dict[str, float]]:
    """Interleave every page (over HTTP) and every distinct query (alone); return their medians."""
    runners: dict[str, Callable[[], float]] = {}
    for endpoint in endpoints:
        headers = headers_for(endpoint.caller, creds)
        runners["page " + endpoint.name] = lambda e=endpoint, h=headers: http_get(server, e.path, h)
        for sql in endpoint.queries:
            if re.search(r"\$\d", sql):  # bound server-side (a prepared statement): its text alone cannot run
                print(f"    {endpoint.name}: not replayed alone (server-side parameters): {one_line(sql)[:100]}")
                continue
            runners.setdefault("sql " + sql, query_runner(conn, sql))
    # The in-process capture has just run every query once; warm each page once more over HTTP.
    for name, runner in runners.items():
        if name.startswith("page "):
            runner()
    times = interleaved(runners, rounds=rounds, warmup=0)
    pages = {e.name: median(times["page " + e.name]) for e in endpoints}
    queries = {name[4:]: median(values) for name, values in times.items() if name.startswith("sql ")}
    return pages, queries


def report(endpoints: list[Endpoint], pages: dict[str, float], queries: dict[str, float]) -> None:
    print(f"  {'endpoint':<28} {'page ms':>9} {'slowest q':>10} {'sum q':>9} {'page/slowest':>12} "
          f"{'page/sum':>9} {'queries':>8}")
    for e in endpoints:
        times = [queries[sql] for sql in e.queries]
        slowest, total = max(times), sum(times)
        print(f"  {e.name:<28} {pages[e.name] * 1000:9.1f} {slowest * 1000:10.1f} {total * 1000:9.1f} "
              f"{pages[e.name] / slowest:12.2f} {pages[e.name] / total:9.2f} {len(e.queries):8d}")
    print("  (target: page/slowest <= 2.0)")
    for e in endpoints:
        shares: dict[str, list[float]] = {}
        for sql in e.queries:
            shares.setdefault(family(sql), []).append(queries[sql])
        parts = sorted(shares.items(), key=lambda item: -sum(item[1]))
        print(f"  {e.name}: " + ", ".join(f"{name} {sum(v) * 1000:.0f} ms x{len(v)}" for name, v in parts))


def explain(conn: psycopg.Connection, sql: str) -> None:
    for (line,) in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall():
        print("    " + line)
