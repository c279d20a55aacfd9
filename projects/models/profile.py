"""A user's role, and the regions or agencies it is bound to."""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from projects.models.places import Agency, Region


class Profile(models.Model):
    """A user's role and the regions (akimats, regional planners) or agencies (ministries) they are bound to."""

    class Role(models.TextChoices):
        AKIMAT = "akimat", _("Akimat")
        PLANNER = "planner", _("Planner")
        ANALYST = "analyst", _("Analyst")
        ADMIN = "admin", _("Administrator")
        MINISTRY = "ministry", _("Ministry")
        COORDINATOR = "coordinator", _("Coordinator")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    regions = models.ManyToManyField(Region, verbose_name=_("regions"), blank=True, related_name="+")
    # Ministries report for their agencies' roadmap items and instructions (CONTRACT.md, More roles).
    agencies = models.ManyToManyField(Agency, verbose_name=_("agencies"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"
