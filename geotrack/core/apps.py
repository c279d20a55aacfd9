from django.apps import AppConfig

from geotrack.core import db


class CoreConfig(AppConfig):
    name = "geotrack.core"
    label = "geotrack_core"
    verbose_name = "geotrack core"

    def ready(self):
        db.connect_signals()
