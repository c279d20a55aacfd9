"""FilterSets that say when a filter's value is wrong instead of ignoring it."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters


class StrictFilterSet(filters.FilterSet):
    """An empty value for a typed filter (`?status=`, `?deadline_after=`) is a 400, not "no filter"."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, field in self.form.fields.items():
            if not isinstance(field, forms.CharField):  # free text may be empty; codes, dates and numbers not
                if name in self.data and self.data.get(name) == "":
                    self.form.add_error(name, _("Give a value, or leave the parameter out."))
                    valid = False
        return valid
