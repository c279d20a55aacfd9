from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        pre_create_historical_record.connect(_stamp_effective_at, dispatch_uid="projects_effective_at")


def _stamp_effective_at(sender, instance, history_instance, **kwargs):
    """Record when the change took effect, which a writer may give; else when it was recorded."""
    effective_at = getattr(instance, "_history_effective_at", None)
    if hasattr(history_instance, "history_effective_at"):
        history_instance.history_effective_at = effective_at or history_instance.history_date
