"""Reading the buckets for an audience, with the state check in the same statement."""
from __future__ import annotations

from geotrack.core.sql import Sql
from projects.access import Audience
from projects.counts.private import private_contribution, serial_fetch, shared_forget
from projects.counts.recount import dashboard_recount, state_values
from projects.counts.schema import ALL_COLUMNS, COUNTED_VIEW

# The state check rides along with the read: one row always, with the read's rows (if any) beside it.
_CHECKED_READ = """
SELECT s.current, q.* FROM (
    SELECT COALESCE(bool_and(day = %(counts_day)s AND lag = %(counts_lag)s AND stale_since = %(counts_stale_since)s),
                    false) AS current
    FROM projects_dashboardcountstate) s
LEFT JOIN (SELECT true AS present, q0.* FROM ({read}) q0) q ON true
"""


# Buckets of one dimension whose projects the audience reads all of, by the flag alone.
_OVER_FLAG = f"(SELECT {ALL_COLUMNS} FROM {COUNTED_VIEW} c WHERE c.dimension = %(counts_dimension)s AND {{visible}})"

# The same for an audience that reads more than the flag (projects/access/, Audience.sql_over_links): the buckets
# do not know their projects' links (NULL), so only the public ones pass; the private projects it may read are
# counted from the private table, in the buckets' shape, and added.
_OVER_LINKS = f"""(
    SELECT {ALL_COLUMNS} FROM (SELECT c.*, NULL::bigint AS agency_id, NULL::bigint[] AS region_ids,
                               NULL::bigint[] AS item_ids
                        FROM {COUNTED_VIEW} c WHERE c.dimension = %(counts_dimension)s) c
    WHERE {{visible_buckets}}
    UNION ALL
    {{private}})"""


def counted_source(audience: Audience, dimension: str) -> Sql | None:
    """The buckets of one dimension this audience reads (a parenthesised relation); None: use the full queries.

    A relation with the columns of the buckets (BUCKET + SUMS); a bucket may repeat (sum them).
    """
    values = {"counts_dimension": dimension}
    over_flag = audience.sql_over_public_flag("project", "c")
    if over_flag is not None:
        return Sql(_OVER_FLAG, values).format(visible=over_flag)
    over_links = audience.sql_over_links("project", "c")
    if over_links is None:
        return None
    return Sql(_OVER_LINKS, values).format(visible_buckets=over_links,
                                           private=private_contribution(audience, dimension))


def counted_rows(audience: Audience, dimension: str, read, alias: str = "c") -> list[tuple] | None:
    """Rows of read(buckets), a statement over the buckets of one dimension, for this audience; None: use the
    full queries. `buckets` is a parenthesised relation (counted_source); give it an alias in the read.

    When the counters count for another day or other thresholds (or are off), recount and read again. The
    check is part of the same statement, so reading from the counters costs no extra round trip.
    """
    source = counted_source(audience, dimension)
    if source is None:
        return None
    values = {f"counts_{name}": value for name, value in state_values().items()}
    statement = Sql(_CHECKED_READ, values).format(read=read(source))
    fetch = Sql.fetchall if audience.sql_over_public_flag("project", alias) is not None else serial_fetch
    rows = fetch(statement)
    if not rows[0][0]:
        dashboard_recount(if_stale=True)
        shared_forget()  # counted for another day
        rows = fetch(Sql(_CHECKED_READ, values).format(read=read(counted_source(audience, dimension))))
    return [row[2:] for row in rows if row[1]]
