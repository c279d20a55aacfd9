from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from geotrack.core.changes import register_change_source
from geotrack.core.sql import Sql


def feedback_state() -> Sql:
    """Moves when feedback arrives, is moderated or answered, or a sender is blocked (a few index lookups)."""
    return Sql("SELECT row((SELECT max(id) FROM citizens_feedback), (SELECT max(moderated_at) FROM citizens_feedback), "
               "(SELECT max(replied_at) FROM citizens_feedback), (SELECT max(id) FROM citizens_blockedsender))::text")


class CitizensConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "citizens"
    verbose_name = _("Citizen feedback")

    def ready(self):
        register_change_source("feedback", feedback_state)
