"""What project rows add to the buckets or take away from them, the deltas' journal and its fold."""
from __future__ import annotations

from django.db import connection, transaction

from projects.counts.schema import ALL_COLUMNS, BUCKET, COUNTS_TABLE, DELTAS_TABLE, NONZERO, SUMMED, SUMS
from projects.health import health_sql_columns

# What a set of project rows `v` contributes to one dimension (sign: '' adds, '-' takes away).
_CONTRIBUTION = """
SELECT '{dimension}'::varchar AS dimension, {key} AS key_id, v.status, v.is_public, {health} AS health,
    {sign}count(*) AS projects, {sign}sum(v.physical_progress) AS physical,
    {sign}sum(v.financial_progress) AS financial,
    {sign}COALESCE(sum(v.physical_progress * v.budget) FILTER (WHERE v.budget > 0), 0) AS physical_budget,
    {sign}COALESCE(sum(v.budget) FILTER (WHERE v.budget > 0), 0) AS budget
FROM {source}
WHERE {live}EXISTS (SELECT 1 FROM projects_dashboardcountstate)
GROUP BY 1, 2, 3, 4, 5"""

# Health for the state row's day and thresholds: each a one-time subquery (no join, so row estimates stay true).
_STATE = {name: f"(SELECT {name} FROM projects_dashboardcountstate)" for name in ("day", "lag", "stale_since")}

# dimension: (key, link table); the agency dimension has no link table.
DIMENSIONS = {"agency": ("v.agency_id", None),
              "region": ("k.region_id", "projects_projectregion"),
              "item": ("k.roadmapitem_id", "projects_project_roadmap_items")}


def state_health(alias: str) -> str:
    return health_sql_columns(alias=alias, today=_STATE["day"], lag=_STATE["lag"], stale_since=_STATE["stale_since"])


def contribution(dimension: str, source: str, sign: str, health: str | None = None) -> str:
    """health: the rows' health when they carry it (the private table: live rows only), else computed for the
    state row's day from project rows, of which the archived ones are left out."""
    live = "" if health else "v.archived_at IS NULL AND "
    health = health or state_health("v")
    key = DIMENSIONS[dimension][0]
    return (_CONTRIBUTION.replace("{dimension}", dimension).replace("{key}", key).replace("{health}", health)
            .replace("{sign}", sign).replace("{source}", source).replace("{live}", live))


# A trigger's transition table drives its join, each row looking its links or project up by index (OFFSET 0
# keeps the lookup a per-row subquery). Left to the planner, the join order follows the statistics, and
# autovacuum may record a table as empty (reltuples = 0 over many pages) while a bulk import's rows are
# invisible to it: the planner then scanned the transition table once per row of the "empty" table, and
# one 20,000-row batch of an import ran for minutes. The recount joins whole tables and keeps plain joins.
def from_projects(dimension: str, projects: str, *, per_row: bool = False) -> str:
    """Rows of `projects` (a table or transition table) joined to the dimension's current links."""
    link = DIMENSIONS[dimension][1]
    if link is None:
        return f"{projects} v"
    if per_row:
        return f"{projects} v CROSS JOIN LATERAL (SELECT k.* FROM {link} k WHERE k.project_id = v.id OFFSET 0) k"
    return f"{projects} v JOIN {link} k ON k.project_id = v.id"


def from_links(dimension: str, links: str) -> str:
    """Rows of a link transition table, each joined to its current project by index (see above)."""
    return (f"{links} k CROSS JOIN LATERAL (SELECT v.* FROM projects_project v WHERE v.id = k.project_id OFFSET 0) v")


def journal(parts: list[str]) -> str:
    """Journal the contributions, net per bucket (nothing written when they cancel out)."""
    union = "\nUNION ALL\n".join(parts)
    return (f"INSERT INTO {DELTAS_TABLE} ({ALL_COLUMNS})\n"
            f"SELECT {', '.join(BUCKET)}, {SUMMED} FROM ({union}) d GROUP BY 1, 2, 3, 4, 5 HAVING {NONZERO};")


_FOLD_SQL = f"""
WITH moved AS (DELETE FROM {DELTAS_TABLE} RETURNING {ALL_COLUMNS})
INSERT INTO {COUNTS_TABLE} AS c ({ALL_COLUMNS})
SELECT {', '.join(BUCKET)}, {SUMMED} FROM moved GROUP BY 1, 2, 3, 4, 5 HAVING {NONZERO}
ON CONFLICT ON CONSTRAINT projects_dashboardcount_bucket DO UPDATE SET
    {", ".join(f"{column} = c.{column} + excluded.{column}" for column in SUMS)}
"""


@transaction.atomic
def counts_fold() -> int:
    """Fold the committed deltas into the buckets (the worker, every few minutes); return how many buckets moved.

    Deltas of transactions still running are not visible here, so they stay for the next fold.
    """
    with connection.cursor() as cursor:
        cursor.execute(_FOLD_SQL)
        moved = cursor.rowcount
        cursor.execute(f"DELETE FROM {COUNTS_TABLE} WHERE projects = 0")
        return moved
