import datetime as dt

from django.apps import AppConfig
from django.conf import settings
from django.utils import timezone

from geotrack.core.changes import register_change_source
from geotrack.core.sql import Sql
from projects.signals import projects_geometry_changed


def cameras_state() -> Sql:
    """Moves with a camera coming or going online, or a new camera: not with a heartbeat or a snapshot."""
    return Sql("SELECT row((SELECT count(*) FILTER (WHERE last_seen_at >= %(cameras_online_since)s) FROM camera_sites_camera), "
               "(SELECT max(id) FROM camera_sites_camera))::text",
               {"cameras_online_since": timezone.now()
                - dt.timedelta(seconds=settings.GEOTRACK["CAMERA_OFFLINE_AFTER_SECONDS"])})


def snapshots_state() -> Sql:
    """Moves with every new snapshot (every 10 s per camera): only what shows snapshots reads it."""
    return Sql("SELECT (SELECT max(id) FROM camera_sites_snapshot)::text")


class CameraSitesConfig(AppConfig):
    name = "camera_sites"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from camera_sites.services import relink_cameras  # noqa: PLC0415 - models load after the app registry

        projects_geometry_changed.connect(relink_cameras, dispatch_uid="camera_sites_relink")
        register_change_source("cameras", cameras_state)
        register_change_source("snapshots", snapshots_state)
