"""Regions and the agencies that govern or run things in them."""
from __future__ import annotations

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from projects.models.base import TranslatedNameMixin, valid_geometry


class Region(TranslatedNameMixin, models.Model):
    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        CITY = "city", _("City of republican significance")

    iso_code = models.CharField(_("ISO 3166-2 code"), max_length=6, unique=True)
    kato_code = models.CharField(_("KATO code"), max_length=12, blank=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=120)
    name_ru = models.CharField(_("name (Russian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    admin_centre = models.CharField(_("administrative centre"), max_length=120, blank=True)
    boundary = models.MultiPolygonField(_("boundary"), srid=4326)
    boundary_simplified = models.MultiPolygonField(_("simplified boundary"), srid=4326)

    class Meta:
        ordering = ["iso_code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            valid_geometry("boundary", "region_boundary_valid"),
            valid_geometry("boundary_simplified", "region_boundary_simplified_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.iso_code} {self.name}"


class Agency(TranslatedNameMixin, models.Model):
    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry")
        AKIMAT = "akimat", _("Akimat")
        NATIONAL_COMPANY = "national_company", _("National company or holding")
        OTHER = "other", _("Other state body")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="agencies", help_text=_("For akimats: the region they govern."),
    )

    class Meta:
        ordering = ["kind", "name_en"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name
