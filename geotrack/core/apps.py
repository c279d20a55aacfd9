from django.apps import AppConfig
from django_tasks.signals import task_finished

from geotrack.core import db
from geotrack.core.uploads import configure_vector_gdal


def _count_finished_job(sender, **kwargs) -> None:
    """Count a finished background job (geotrack.core.metrics), loaded with prometheus-client by the first one."""
    from geotrack.core.metrics import job_finished  # noqa: PLC0415 - only the worker finishes jobs

    job_finished(sender, **kwargs)


class CoreConfig(AppConfig):
    name = "geotrack.core"
    label = "geotrack_core"
    verbose_name = "geotrack core"

    def ready(self) -> None:
        task_finished.connect(_count_finished_job, dispatch_uid="geotrack-metrics-job-finished")
        db.connect_signals()
        # Every process that may open an upload (web, worker, manage.py) configures pyogrio's GDAL once:
        # only the import drivers stay registered, and no reference in a file is followed (SECURITY.md).
        configure_vector_gdal()
