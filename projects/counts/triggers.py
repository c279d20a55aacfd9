"""The statement-level triggers that keep the buckets and the private rows, and their installation."""
from __future__ import annotations

from projects.counts.contributions import DIMENSIONS, contribution, from_links, from_projects, journal
from projects.counts.private import private_refresh, private_rows, private_upsert
from projects.counts.schema import COUNTS_TABLE, DELTAS_TABLE, PRIVATE_TABLE

# Set (transaction-local) by a bulk writer that counts its projects in the statements inserting them
# (counted_insert): while it is 'on', the insert triggers of projects and links add nothing.
DEFERRED_SETTING = "geotrack.counts_deferred"


def _project_trigger_body() -> str:
    def rows(transition: str, sign: str) -> list[str]:
        return [contribution(d, from_projects(d, transition, per_row=True), sign) for d in DIMENSIONS]
    return _trigger_body(rows, key="id", truncate=f"DELETE FROM {COUNTS_TABLE}; DELETE FROM {DELTAS_TABLE}; "
                                                  f"DELETE FROM {PRIVATE_TABLE};")


def _link_trigger_body(dimension: str) -> str:
    def rows(transition: str, sign: str) -> list[str]:
        return [contribution(dimension, from_links(dimension, transition), sign)]
    column = {"region": "region_ids", "item": "item_ids"}[dimension]
    return _trigger_body(rows, key="project_id", truncate=(
        f"DELETE FROM {COUNTS_TABLE} WHERE dimension = '{dimension}'; "
        f"DELETE FROM {DELTAS_TABLE} WHERE dimension = '{dimension}'; UPDATE {PRIVATE_TABLE} SET {column} = '{{}}';"))


def _planned_each_time(statement: str) -> str:
    """The statement run by EXECUTE, so that it is planned for the tables as they are at each call.

    PL/pgSQL keeps the plan of a static statement for the whole session: an import planned its first batch
    when the link and project tables were empty (a sequential scan costs nothing there) and kept that scan
    for the per-row lookups of every later batch, while its own rows grew the tables. Planning: ~1 ms a call.
    """
    assert "$apply$" not in statement
    return f"EXECUTE $apply${statement.rstrip().rstrip(';')}$apply$;"


def _planned_refresh(ids: str) -> str:
    """The private rows' refresh (private_refresh), each statement planned at each call."""
    return "\n        ".join(_planned_each_time(statement) for statement in private_refresh(ids))


def _trigger_body(rows, *, key: str, truncate: str) -> str:
    """key: the transition tables' column holding the project id (the private rows to refresh)."""
    return f"""
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        {truncate}
    ELSIF TG_OP = 'INSERT' THEN
        IF current_setting('{DEFERRED_SETTING}', true) = 'on' THEN
            RETURN NULL;
        END IF;
        {_planned_each_time(journal(rows('new_rows', '')))}
        {_planned_refresh(f"SELECT {key} FROM new_rows")}
    ELSIF TG_OP = 'DELETE' THEN
        {_planned_each_time(journal(rows('old_rows', '-')))}
        {_planned_refresh(f"SELECT {key} FROM old_rows")}
    ELSE
        {_planned_each_time(journal(rows('new_rows', '') + rows('old_rows', '-')))}
        {_planned_refresh(f"SELECT {key} FROM new_rows UNION SELECT {key} FROM old_rows")}
    END IF;
    RETURN NULL;
END"""


def defer_insert_counts(cursor) -> None:
    """Until resume_insert_counts, in this transaction, inserts of projects and of their links are not counted.

    For a bulk writer (an import), which counts each batch of new projects in the statement that inserts them
    (counted_insert): the insert triggers would look every new project's links up by index and file its private
    row, batch after batch; the writer has the batch's links at hand and counts them in one hash join. Updates
    and deletes are still counted by their statements; a rollback undoes the counts with the rows.
    """
    cursor.execute("SELECT set_config(%s, 'on', true)", [DEFERRED_SETTING])


def resume_insert_counts(cursor) -> None:
    cursor.execute("SELECT set_config(%s, 'off', true)", [DEFERRED_SETTING])


_NO_ITEMS = "(SELECT NULL::bigint AS project_id, NULL::bigint AS roadmapitem_id WHERE false)"
# The columns of a project row that its counting reads (contribution, private_rows and the health rule): an
# import's statement returns these alone, not its geometries and texts.
COUNTED_COLUMNS = ("id", "agency_id", "status", "is_public", "archived_at", "physical_progress", "financial_progress",
                   "budget", "planned_start", "planned_end", "last_report_at", "created_at")


def counted_insert(insert: str, *, region_links: str) -> str:
    """`insert` (an INSERT INTO projects_project, without RETURNING) as one statement that also counts its rows as
    the insert triggers would, for a writer that deferred them (defer_insert_counts).

    region_links: a relation (project_id, region_id) holding exactly the links the writer inserts next for these
    projects, indexed on project_id; new projects have no roadmap items yet.
    """
    parts = [contribution("agency", "new_projects v", ""),
             contribution("region", f"new_projects v JOIN {region_links} k ON k.project_id = v.id", "")]
    rows = private_rows("new_projects p", region_links=region_links, item_links=_NO_ITEMS)
    return (f"WITH new_projects AS ({insert.strip()} RETURNING {', '.join(COUNTED_COLUMNS)}),\n"
            f"journaled AS ({journal(parts).rstrip().rstrip(';')})\n{private_upsert(rows)}")


# table: (trigger function, its body)
def trigger_functions() -> dict[str, tuple[str, str]]:
    return {"projects_project": ("projects_dashboardcount_projects", _project_trigger_body()),
            "projects_projectregion": ("projects_dashboardcount_regions", _link_trigger_body("region")),
            "projects_project_roadmap_items": ("projects_dashboardcount_items", _link_trigger_body("item"))}


def install_triggers(cursor) -> None:
    """Create or replace the trigger functions from today's health definition; add missing triggers."""
    for table, (function, body) in trigger_functions().items():
        # JIT compiling costs seconds and never pays off on these few groups; a bulk statement's rows are
        # hashed into their buckets rather than sorted (the planner cannot tell how few buckets there are).
        cursor.execute(f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql SET jit = off "
                       f"SET enable_sort = off AS $body${body}$body$")
        events = {"insert": ("INSERT", "REFERENCING NEW TABLE AS new_rows"),
                  "update": ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                  "delete": ("DELETE", "REFERENCING OLD TABLE AS old_rows"), "truncate": ("TRUNCATE", "")}
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass", [table])
        present = {name for (name,) in cursor.fetchall()}
        for name, (event, referencing) in events.items():
            if f"{function}_{name}" not in present:  # never DROP TRIGGER here: it locks out the table's readers
                cursor.execute(f"CREATE TRIGGER {function}_{name} AFTER {event} ON {table} {referencing} "
                               f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()")


def drop_triggers(cursor) -> None:
    for table, (function, _body) in trigger_functions().items():
        cursor.execute(f"DROP FUNCTION IF EXISTS {function}() CASCADE")
