from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "geotrack.site.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from geotrack.site.notifications import domain_events  # noqa: PLC0415 - app registry ready

        domain_events.connect()
