from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "geotrack.core"
    label = "geotrack_core"
    verbose_name = "geotrack core"
