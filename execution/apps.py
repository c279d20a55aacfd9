from django.apps import AppConfig

from geotrack.core.changes import register_change_source
from geotrack.core.sql import Sql


def execution_state() -> Sql:
    """Moves with any report, milestone, deadline change or instruction (a few index lookups)."""
    return Sql("SELECT row((SELECT max(updated_at) FROM execution_executionreport), "
               "(SELECT max(id) FROM execution_reportversion), (SELECT max(decided_at) FROM execution_reportversion), "
               "(SELECT max(id) FROM execution_milestone), (SELECT count(*) FROM execution_milestone "
               "WHERE done_on IS NOT NULL), (SELECT max(decided_at) FROM execution_deadlinechange), "
               "(SELECT max(id) FROM execution_deadlinechange), (SELECT max(id) FROM execution_instruction), "
               "(SELECT count(*) FROM execution_instruction WHERE done_at IS NOT NULL))::text")


class ExecutionConfig(AppConfig):
    name = "execution"
    verbose_name = "Roadmap execution"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from execution.selectors import item_status_hook  # noqa: PLC0415 - app registry ready
        from projects.selectors import register_item_status_hook  # noqa: PLC0415

        register_item_status_hook(item_status_hook)
        register_change_source("execution", execution_state)
