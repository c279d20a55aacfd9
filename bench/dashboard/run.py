"""Dashboard benchmark: GET /, /api/dashboard/ and /api/alerts/ at 1M projects and 10M progress reports.

Each page (gunicorn, 2 sync workers, DEBUG off) is set beside the SQL it runs: every query the request
makes is captured in-process and timed alone over a persistent psycopg connection, interleaved.

Run: .venv/bin/python bench/dashboard/run.py [--n 1000000] [--rounds 5] [--max-minutes 25] [--keep-db]
     [--reuse-db] [--targets-only]
Never run in CI. See bench/dashboard/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.dashboard import data  # noqa: E402  (first: it points the shared helpers at our database)
from bench.api_geojson import dataset, servers  # noqa: E402
from bench.api_geojson.run import setup_django  # noqa: E402
from bench.common import Server, socket_dir, stop_server  # noqa: E402
from bench.dashboard import measure, targets  # noqa: E402
from bench.dashboard.measure import Endpoint  # noqa: E402

FEW_ITEMS = 30


class Timeout(Exception):
    pass


def endpoints(analyst_api: bool) -> list[Endpoint]:
    chosen = [Endpoint("/ anonymous", "/", "anonymous"), Endpoint("/ analyst (session)", "/", "session"),
              Endpoint("/api/dashboard/ anonymous", "/api/dashboard/", "anonymous"),
              Endpoint("/api/alerts/ anonymous", "/api/alerts/", "anonymous")]
    if analyst_api:
        chosen += [Endpoint("/api/dashboard/ analyst (token)", "/api/dashboard/", "token"),
                   Endpoint("/api/alerts/ analyst (token)", "/api/alerts/", "token")]
    return chosen


def query_counts(chosen: list[Endpoint], creds: measure.Credentials) -> dict[str, int]:
    return {e.name: len(measure.capture(e, creds)) for e in chosen}


def items_check(chosen: list[Endpoint], creds: measure.Credentials) -> dict[str, int]:
    """Count each endpoint's queries with all items, then with only FEW_ITEMS (rolled back)."""
    from django.db import transaction

    from projects.models import Project, RoadmapItem

    many = query_counts(chosen, creds)
    items = RoadmapItem.objects.count()
    with transaction.atomic():
        Project.roadmap_items.through.objects.filter(roadmapitem__number__gt=FEW_ITEMS).delete()
        RoadmapItem.objects.filter(number__gt=FEW_ITEMS).delete()
        few = query_counts(chosen, creds)
        transaction.set_rollback(True)
    print(f"  query count per request, {items} items -> {FEW_ITEMS} items (small data set):")
    for name in many:
        verdict = "same" if many[name] == few[name] else "CHANGES"
        print(f"    {name:<34} {many[name]:3d} -> {few[name]:3d}  {verdict}")
    return many


def build(folder: Path, args: argparse.Namespace, chosen: list[Endpoint]) -> tuple[measure.Credentials, dict]:
    from django.db import connection

    data.create(folder)
    data.build(folder, args.small, quiet=True)
    creds = measure.make_analyst()
    small_counts = items_check(chosen, creds)
    connection.close()
    data.clear_projects(folder)
    print(f"  generating {args.n} projects (reports budget {args.reports_budget:.0f} s) ...", flush=True)
    data.build(folder, args.n, reports_budget_s=args.reports_budget)
    return creds, small_counts


def _versus(count: int, small: int | None) -> str:
    if small is None:
        return "small set not measured: --reuse-db"
    return "same" if count == small else "DIFFERENT"


def recount(folder: Path) -> None:
    """The bulk load ran with session_replication_role = replica (no triggers): count the dashboard's buckets."""
    from projects.counts import dashboard_recount

    started = time.perf_counter()
    buckets = dashboard_recount()
    print(f"  dashboard counters recounted from scratch in {time.perf_counter() - started:.1f} s ({buckets} buckets; "
          "what `manage.py dashboard_recount` and the first read of a new day cost)")
    with data.connect(folder) as conn:
        conn.execute("VACUUM ANALYZE projects_dashboardcount")


def run(folder: Path, args: argparse.Namespace, running: dict[str, Server]) -> None:
    chosen = endpoints(args.analyst_api)
    if args.reuse_db:  # development only: measure a database kept by --keep-db (migrated to this checkout)
        dataset.migrate(folder)
        creds, small_counts = measure.make_analyst(), {}
    else:
        creds, small_counts = build(folder, args, chosen)
    recount(folder)
    running["geotrack"] = servers.start_geotrack(folder)
    print(f"  geotrack on 127.0.0.1:{running['geotrack'].port} (gunicorn, 2 sync workers, DEBUG off)")
    if not args.targets_only:
        pages_and_queries(folder, args, running, chosen, creds, small_counts)
    with data.connect(folder) as writes:
        targets.measure(running["geotrack"], writes, creds, args.rounds)


def pages_and_queries(folder: Path, args: argparse.Namespace, running: dict[str, Server], chosen: list[Endpoint],
                      creds: measure.Credentials, small_counts: dict) -> None:
    """Each page beside the SQL it runs (the first part of the output)."""
    started = time.perf_counter()
    for endpoint in chosen:
        captured = time.perf_counter()
        endpoint.queries = measure.capture(endpoint, creds)
        print(f"    {endpoint.name}: captured in-process in {time.perf_counter() - captured:.1f} s", flush=True)
    print(f"  captured every endpoint's SQL in-process in {time.perf_counter() - started:.1f} s; query count at "
          f"{args.n} projects vs the small set: " + ", ".join(
              f"{e.name} {len(e.queries)} ({_versus(len(e.queries), small_counts.get(e.name))})"
              for e in chosen))
    with data.connect(folder) as conn:
        conn.execute("SET TIME ZONE 'UTC'")  # as Django's connection
        started = time.perf_counter()
        pages, queries = measure.time_all(running["geotrack"], conn, chosen, creds, args.rounds)
        print(f"\n== medians of {args.rounds} interleaved rounds after a warm-up of each page "
              f"({time.perf_counter() - started:.0f} s) ==")
        measure.report(chosen, pages, queries)
        top = sorted(queries, key=queries.get, reverse=True)[:3]
        print("  slowest distinct queries (median ms alone, family, first 150 characters):")
        for sql in top:
            print(f"    {queries[sql] * 1000:9.1f}  {measure.family(sql):<20} {measure.one_line(sql)}")
        print("  what dominates, and what would help:")
        seen = []
        for sql in sorted(queries, key=queries.get, reverse=True):
            name = measure.family(sql)
            if name not in seen and name != "other" and len(seen) < 4:
                seen.append(name)
                print(f"    - {next(text for fam, _, text in measure.FAMILIES if fam == name)}")
        if not args.no_explain:
            print(f"  EXPLAIN (ANALYZE, BUFFERS) of the slowest ({measure.family(top[0])}):")
            measure.explain(conn, top[0])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="projects (about 10 reports each)")
    parser.add_argument("--small", type=int, default=2_000, help="projects for the items query-count check")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds, after one warm-up request per page")
    parser.add_argument("--reports-budget", type=float, default=360.0, help="seconds for report generation")
    parser.add_argument("--analyst-api", action="store_true", help="also time the API as an analyst (token)")
    parser.add_argument("--no-explain", action="store_true", help="skip EXPLAIN ANALYZE of the slowest query")
    parser.add_argument("--max-minutes", type=int, default=25, help="abort (and clean up) after this long")
    parser.add_argument("--reuse-db", action="store_true", help="skip generation; reuse a --keep-db database")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {data.DB_NAME} at the end")
    parser.add_argument("--targets-only", action="store_true",
                        help="measure only issue 17's recompute and alerts figures (targets.py), every role")
    return parser.parse_args()


def _abort(signum, frame) -> None:
    raise Timeout("the benchmark ran out of time (--max-minutes)")


def main() -> int:
    args = parse_args()
    folder = socket_dir()
    os.environ["DEBUG"] = "0"  # in-process capture as in production; CaptureQueriesContext forces capture
    setup_django(folder)
    signal.signal(signal.SIGALRM, _abort)
    signal.alarm(args.max_minutes * 60)
    running: dict[str, Server] = {}
    started = time.perf_counter()
    try:
        run(folder, args, running)
    finally:
        signal.alarm(0)
        for server in running.values():
            stop_server(server)
        if not args.keep_db:
            from django.db import connection

            connection.close()
            dataset.drop_database(folder)
        print(f"  total {time.perf_counter() - started:.0f} s; servers stopped"
              + ("" if args.keep_db else f", {data.DB_NAME} dropped"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
