from django.apps import AppConfig

from geotrack.core.uploads import configure_vector_gdal


class CoreConfig(AppConfig):
    name = "geotrack.core"
    label = "geotrack_core"
    verbose_name = "geotrack core"

    def ready(self) -> None:
        # Every process that may open an upload (web, worker, manage.py) configures pyogrio's GDAL once:
        # only the import drivers stay registered, and no reference in a file is followed (SECURITY.md).
        configure_vector_gdal()
