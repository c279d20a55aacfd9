"""What the models share: geometry checks, a percentage range, and names in three languages."""
from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import IsValid
from django.db.models import Func, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

ALLOWED_GEOMETRY_TYPES = (
    "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
)


class GeometryType(Func):
    function = "GeometryType"
    output_field = models.CharField()


def valid_geometry(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(IsValid(field)), name=name,
        violation_error_message=_("The geometry is not valid (for example, a ring intersects itself)."),
    )


def percent_range(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0, f"{field}__lte": 100}), name=name,
        violation_error_message=_("Progress must be between 0 and 100."),
    )


class TranslatedNameMixin:
    """Pick name_kk / name_ru / name_en by the active language, falling back to English."""

    name_field_prefix = "name"

    def localized(self, prefix: str) -> str:
        language = (get_language() or "en")[:2]
        return getattr(self, f"{prefix}_{language}", "") or getattr(self, f"{prefix}_en")

    @property
    def name(self) -> str:
        return self.localized(self.name_field_prefix)
