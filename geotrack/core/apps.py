from django.apps import AppConfig
from django_tasks.signals import task_finished

from geotrack.core import db, metrics
from geotrack.core.uploads import configure_vector_gdal


class CoreConfig(AppConfig):
    name = "geotrack.core"
    label = "geotrack_core"
    verbose_name = "geotrack core"

    def ready(self) -> None:
        task_finished.connect(metrics.job_finished, dispatch_uid="geotrack-metrics-job-finished")
        db.connect_signals()
        # Every process that may open an upload (web, worker, manage.py) configures pyogrio's GDAL once:
        # only the import drivers stay registered, and no reference in a file is followed (SECURITY.md).
        configure_vector_gdal()
