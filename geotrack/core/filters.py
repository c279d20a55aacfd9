"""FilterSets that say when a filter's value is wrong instead of ignoring it, at little cost per request."""
from __future__ import annotations

import copy

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters

# (FilterSet class, names of the filters the request gives) -> its form class. The declared filters and
# their fields are the same for every request, so building them per request (django-filter deep-copies
# every filter with its queryset and choices and makes a new form class) only costs time.
_FORM_CLASSES: dict[tuple[type, tuple[str, ...]], type] = {}


class _SharedFields(dict):
    """A form class's fields, which each form shares instead of deep-copying them.

    Django deep-copies a form's fields for each form so that one form may change its own (a widget's
    attributes, a queryset); these filter forms only clean values, and cleaning changes no field
    (ModelChoiceField.clean queries a clone of its queryset). Copying them cost each request more than
    cleaning did.
    """

    def __deepcopy__(self, memo):
        return dict(self)


class StrictFilterSet(filters.FilterSet):
    """An empty value for a typed filter (`?status=`, `?deadline_after=`) is a 400, not "no filter".

    Only the filters the request names are validated and applied: a filter left out of the request
    would have been skipped anyway (its value is empty), so the answer is the same, without the
    per-request deep copies of every filter and form field.
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {}
        for name, declared in self.base_filters.items():
            if name not in self.data:
                continue  # never validated nor applied (see get_form_class): no copy to make
            filter_ = copy.copy(declared)  # shallow: its field, queryset and choices are shared, read-only
            if declared.method is not None:
                filter_.method = declared.method  # binds the method to this copy and this FilterSet
            filter_.model = queryset.model
            filter_.parent = self
            self.filters[name] = filter_

    def get_form_class(self):
        names = tuple(self.filters)  # the filters the request names, in declaration order
        key = (type(self), names)
        form_class = _FORM_CLASSES.get(key)
        if form_class is None:
            fields = {name: self.filters[name].field for name in names}
            form_class = type(f"{type(self).__name__}Form", (self._meta.form,), fields)
            form_class.base_fields = _SharedFields(form_class.base_fields)
            _FORM_CLASSES[key] = form_class
        return form_class

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, field in self.form.fields.items():
            if not isinstance(field, forms.CharField):  # free text may be empty; codes, dates and numbers not
                if name in self.data and self.data.get(name) == "":
                    self.form.add_error(name, _("Give a value, or leave the parameter out."))
                    valid = False
        return valid
