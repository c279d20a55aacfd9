from django.apps import AppConfig
from django_tasks.signals import task_finished

from geotrack.core import db, metrics


class CoreConfig(AppConfig):
    name = "geotrack.core"
    label = "geotrack_core"
    verbose_name = "geotrack core"

    def ready(self):
        task_finished.connect(metrics.job_finished, dispatch_uid="geotrack-metrics-job-finished")
        db.connect_signals()
