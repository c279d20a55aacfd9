from django.apps import AppConfig

from geotrack.core.changes import register_change_source
from geotrack.core.sql import Sql


def projects_state() -> Sql:
    """Moves with any project's fields, geometry, regions, history or progress report (a few index lookups)."""
    return Sql("SELECT row((SELECT max(updated_at) FROM projects_project), "
               "(SELECT max(recorded_at) FROM projects_progressreport), "
               "(SELECT max(history_id) FROM projects_historicalproject), "
               "(SELECT max(id) FROM projects_projectregion))::text")


class ProjectsConfig(AppConfig):
    name = "projects"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from simple_history.signals import pre_create_historical_record  # noqa: PLC0415 - app registry ready

        pre_create_historical_record.connect(_stamp_effective_at, dispatch_uid="projects_effective_at")
        register_change_source("projects", projects_state)


def _stamp_effective_at(sender, instance, history_instance, **kwargs):
    """Record when the change took effect, which a writer may give; else when it was recorded."""
    effective_at = getattr(instance, "_history_effective_at", None)
    if hasattr(history_instance, "history_effective_at"):
        history_instance.history_effective_at = effective_at or history_instance.history_date
