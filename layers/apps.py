from django.apps import AppConfig

from geotrack.core.changes import register_change_source
from geotrack.core.sql import Sql


def imagery_state() -> Sql:
    """Moves with a new or re-ingested image and with recomputed ground-change evidence."""
    return Sql("SELECT row((SELECT max(id) FROM layers_imagery), "
               "(SELECT count(*) FILTER (WHERE status = 'ready') FROM layers_imagery), "
               "(SELECT max(computed_at) FROM layers_changeevidence))::text")


class LayersConfig(AppConfig):
    name = "layers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        register_change_source("imagery", imagery_state)
