"""The dashboard's counters: live projects counted per bucket, kept by the writes (PostgreSQL triggers).

A bucket is (dimension, key, status, public flag, health). Dimensions:
- agency: one row per live project (key: its agency, NULL without one): KPIs, statuses, agencies;
- region: one row per region the project touches (projects_projectregion): the regions' figures;
- item: one row per roadmap item it is linked to (projects_project_roadmap_items): the items' status.
A bucket holds how many projects fall in it and the sums the dashboard averages (physical, financial,
physical x budget and budget over the projects with a budget); sums are numeric, so averages are exact.

Health depends on the day, so the counters count for one day and one set of thresholds, kept in the
state row (projects_dashboardcountstate). Statement-level triggers with transition tables on
projects_project, projects_projectregion and projects_project_roadmap_items add what a statement wrote and
take away what it replaced, with health computed for the state row's day (health_sql_columns: the same
CASE as everywhere). They only append net deltas to projects_dashboardcountdelta, so concurrent writers
(an import's long transaction beside a planner's edit) never wait for each other on a bucket row; the
worker folds the committed deltas into projects_dashboardcount (counts_fold), and readers sum both
(the view projects_dashboardcountlive).

Readers go through counted_rows(), whose statement also checks the state row: when the day or a threshold
moved, or the state row is missing (counters off), it recounts from scratch first (dashboard_recount, also
a management command for operators, e.g. after a bulk load run with session_replication_role = replica,
which skips triggers). The worker's periodic task calls counts_current(), so the recount of a new day is
normally done before anyone reads; writers wait while a recount runs (about 15 s at a million projects).

Who may read what stays in projects/access/. Audience.sql_over_public_flag() gives the audience's project
rule as a condition on the public flag alone (the public, national roles): the buckets answer. It is None
for audiences that read more (akimats' linked regions, ministries' agencies and items): they read the public
buckets plus the private projects they may read, from projects_dashboardprivate, which the same triggers keep
(one row per live non-public project: its agency, its linked regions and roadmap items as arrays, its health for
the counted day and the columns the sums need), filtered by Audience.sql_over_links() and counted at read time in the
buckets' shape. A project linked to several regions is one row there, so "in my regions OR my agencies" counts
it once. The read costs what the audience's private projects cost (GIN indexes on the arrays), not a scan of
the projects.

The package, by concern: ``schema`` (the tables and the view), ``contributions`` (what project rows add to a
bucket, the deltas' journal and its fold), ``private`` (the private table's rows and an audience's share of
them), ``triggers`` (the statement triggers that keep both, and a bulk writer's inserts counted by the
statements that insert them), ``recount`` (the state row and the recount from scratch), ``reads`` (the buckets
an audience reads) and ``operations`` (the migrations' step).
"""
from projects.counts.contributions import DIMENSIONS, counts_fold
from projects.counts.operations import reinstall_triggers_operation
from projects.counts.private import shared_reads
from projects.counts.reads import counted_rows, counted_source
from projects.counts.recount import buckets, counts_current, dashboard_recount
from projects.counts.schema import (
    BUCKET, COUNTED_VIEW, COUNTS_TABLE, CREATE_PRIVATE_SQL, CREATE_TABLES_SQL, DELTAS_TABLE, DROP_PRIVATE_SQL,
    DROP_TABLES_SQL, PRIVATE_COLUMNS, PRIVATE_TABLE, STATE_TABLE, SUMS,
)
from projects.counts.triggers import (
    counted_insert, defer_insert_counts, drop_triggers, install_triggers, resume_insert_counts, trigger_functions,
)

__all__ = [
    "BUCKET", "COUNTED_VIEW", "COUNTS_TABLE", "CREATE_PRIVATE_SQL", "CREATE_TABLES_SQL", "DELTAS_TABLE", "DIMENSIONS",
    "DROP_PRIVATE_SQL", "DROP_TABLES_SQL", "PRIVATE_COLUMNS", "PRIVATE_TABLE", "STATE_TABLE", "SUMS", "buckets",
    "counted_insert", "counted_rows", "counted_source", "counts_current", "counts_fold", "dashboard_recount",
    "defer_insert_counts", "drop_triggers", "install_triggers", "reinstall_triggers_operation", "resume_insert_counts",
    "shared_reads", "trigger_functions",
]
