"""The private table (projects_dashboardprivate): each live non-public project's row, and an audience's share of it."""
from __future__ import annotations

import contextlib
from contextvars import ContextVar

from django.db import connection, transaction

from geotrack.core.sql import Sql
from projects.access import Audience
from projects.counts.contributions import DIMENSIONS, contribution, state_health
from projects.counts.schema import ALL_COLUMNS, BUCKET, PRIVATE_COLUMNS, PRIVATE_TABLE, STATE_TABLE, SUMS

# The private table's row of each live, non-public project of `p` (a link array per link table, in id order), with
# its health for the state row's day, as the buckets count it (a new day recounts both).
def _links_array(column: str, table: str) -> str:
    # Sorted inside the aggregate: an ORDER BY of the subquery let the planner (its sorts turned off in the
    # trigger functions) walk the whole index on the linked column for each row instead of the project's links.
    return f"COALESCE((SELECT array_agg({column} ORDER BY {column}) FROM {table} k WHERE k.project_id = p.id), '{{}}')"


def private_rows(source: str, *, region_links: str = "projects_projectregion",
                 item_links: str = "projects_project_roadmap_items") -> str:
    """The select of private rows from `source`, which names the projects p (their links: the link tables, or
    relations of the same columns a bulk writer gives, indexed on project_id)."""
    return f"""
SELECT p.id, p.agency_id, p.status, {state_health("p")}, p.physical_progress, p.financial_progress, p.budget,
    {_links_array("k.region_id", region_links)},
    {_links_array("k.roadmapitem_id", item_links)}
FROM {source}
WHERE NOT p.is_public AND p.archived_at IS NULL AND EXISTS (SELECT 1 FROM {STATE_TABLE})"""


PRIVATE_ROWS = private_rows("projects_project p")


def private_refresh(ids: str) -> list[str]:
    """The statements that bring the private rows of the projects whose ids `ids` selects in line with the projects
    and their links (the triggers run each planned at each call).

    Read from the tables, not from the transition tables, so a link statement sees its project's flag. The
    changed ids drive both statements, each project looked up by its key, for the reason from_projects
    gives: joined the other way round, one batch of a bulk import ran for minutes.
    """
    distinct = f"(SELECT DISTINCT i.id FROM ({ids}) i (id)) n"  # a link statement names a project once per link
    per_row = f"{distinct} CROSS JOIN LATERAL (SELECT * FROM projects_project p WHERE p.id = n.id OFFSET 0) p"
    return [
        # The rows to drop found per id by key, then deleted by their tuple ids (a TID scan).
        f"DELETE FROM {PRIVATE_TABLE} d WHERE d.ctid = ANY (ARRAY(SELECT x.ctid FROM {distinct} CROSS JOIN LATERAL ("
        f"SELECT y.ctid FROM {PRIVATE_TABLE} y WHERE y.project_id = n.id AND NOT EXISTS (SELECT 1 FROM "
        "projects_project p WHERE p.id = y.project_id AND NOT p.is_public AND p.archived_at IS NULL) OFFSET 0) x))",
        private_upsert(private_rows(per_row)),
    ]


def private_upsert(rows: str) -> str:
    """Insert private rows (a select of private_rows), replacing a project's row already there."""
    changed = ", ".join(f"{column} = excluded.{column}" for column in PRIVATE_COLUMNS[1:])
    return (f"INSERT INTO {PRIVATE_TABLE} ({', '.join(PRIVATE_COLUMNS)}) {rows} "
            f"ON CONFLICT (project_id) DO UPDATE SET {changed}")


_PRIVATE_READ = f"""SELECT * FROM (SELECT d.*, false AS is_public FROM {PRIVATE_TABLE} d) d WHERE {{visible}}"""
_UNNESTED = {"agency": "", "region": " CROSS JOIN LATERAL unnest(v.region_ids) AS k(region_id)",
             "item": " CROSS JOIN LATERAL unnest(v.item_ids) AS k(roadmapitem_id)"}


_TYPES = {"dimension": "varchar", "key_id": "bigint", "status": "varchar", "is_public": "boolean",
          "health": "varchar", "projects": "bigint"}
_SHARED: ContextVar[dict | None] = ContextVar("geotrack_counts_shared", default=None)


@contextlib.contextmanager
def shared_reads():
    """Within the block, count an audience's private projects once per dimension and let every figure reuse them.

    One dashboard recompute reads the agency dimension three times (KPIs, statuses, agencies): the private
    projects' buckets are fetched once and bound to the later reads as arrays. Only for work that writes
    nothing in between (one computation of figures).
    """
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def private_contribution(audience: Audience, dimension: str) -> Sql:
    """The audience's private projects in the buckets' shape, for one dimension (in a shared_reads block, for all
    three at once: one scan, fetched once and bound to each read as arrays)."""
    private = Sql(_PRIVATE_READ).format(visible=audience.sql_over_links("project", "d"))
    shared = _SHARED.get()
    if shared is None:
        return Sql(contribution(dimension, "({private}) v" + _UNNESTED[dimension], "", health="v.health")).format(
            private=private)
    key = (audience.key, dimension)
    if key not in shared:
        every = "\nUNION ALL\n".join(contribution(d, "readable v" + _UNNESTED[d], "", health="v.health")
                                       for d in DIMENSIONS)
        rows = serial_fetch(Sql(f"WITH readable AS MATERIALIZED ({{private}})\n{every}").format(private=private))
        for d in DIMENSIONS:
            shared[(audience.key, d)] = list(zip(*[row for row in rows if row[0] == d])) or [[] for _ in BUCKET + SUMS]
    names = {column: f"counts_private_{dimension}_{column}" for column in BUCKET + SUMS}
    arrays = ", ".join(f"%({names[column]})s::{_TYPES.get(column, 'numeric')}[]" for column in BUCKET + SUMS)
    return Sql(f"SELECT * FROM unnest({arrays}) AS u({ALL_COLUMNS})",
               {names[column]: list(values) for column, values in zip(BUCKET + SUMS, shared[key])})


def serial_fetch(statement: Sql) -> list[tuple]:
    """Fetch without parallel workers, JIT or sorts: an audience's private share is some tens of thousands of rows,
    which workers hashed apart and merged again read slower than one process does, on a busy server above all."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute("SET LOCAL jit = off")
        # Hash the few buckets rather than sort the rows (unnest's estimate of ten links a row misleads the planner).
        cursor.execute("SET LOCAL enable_sort = off")
        return statement.fetchall()


def shared_forget() -> None:
    """Forget what shared_reads fetched (counted for another day)."""
    if _SHARED.get():
        _SHARED.get().clear()
