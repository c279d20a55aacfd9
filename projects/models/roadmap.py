"""The roadmap's items, each with its responsible agency and co-executors."""
from __future__ import annotations

from django.contrib.gis.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from projects.models.base import TranslatedNameMixin
from projects.models.places import Agency


class RoadmapItem(TranslatedNameMixin, models.Model):
    class Section(models.TextChoices):
        FAIR_STATE = "fair_state", _("Fair State")
        FAIR_ECONOMY = "fair_economy", _("Fair Economy")
        FAIR_SOCIETY = "fair_society", _("Fair Society")

    name_field_prefix = "title"

    number = models.PositiveIntegerField(_("number"), unique=True)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=400)
    title_ru = models.CharField(_("title (Russian)"), max_length=400)
    title_en = models.CharField(_("title (English)"), max_length=400)
    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    agency = models.ForeignKey(Agency, verbose_name=_("responsible agency"), on_delete=models.PROTECT,
                               related_name="roadmap_items")
    co_executors = models.ManyToManyField(Agency, verbose_name=_("co-executor agencies"), blank=True,
                                          related_name="co_executed_items")
    official_name_kk = models.CharField(_("responsible official (Kazakh)"), max_length=200, blank=True, db_default="")
    official_name_ru = models.CharField(_("responsible official (Russian)"), max_length=200, blank=True, db_default="")
    official_name_en = models.CharField(_("responsible official (English)"), max_length=200, blank=True, db_default="")
    official_position_kk = models.CharField(_("official's position (Kazakh)"), max_length=300, blank=True, db_default="")
    official_position_ru = models.CharField(_("official's position (Russian)"), max_length=300, blank=True, db_default="")
    official_position_en = models.CharField(_("official's position (English)"), max_length=300, blank=True, db_default="")
    start = models.DateField(_("start"), default="2023-01-01")
    deadline = models.DateField(_("deadline"))
    # The term first set; `deadline` moves only through an approved deadline change (execution).
    original_deadline = models.DateField(_("original deadline"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("roadmap item")
        verbose_name_plural = _("roadmap items")
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=models.F("start")), name="roadmap_item_deadline_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def title(self) -> str:
        return self.localized("title")

    @property
    def official_name(self) -> str:
        return self.localized("official_name")

    @property
    def official_position(self) -> str:
        return self.localized("official_position")

    @property
    def first_deadline(self):
        return self.original_deadline or self.deadline

    def get_absolute_url(self) -> str:
        return reverse("roadmap-item", args=[self.number])
