"""Serializers declare their geometry fields: no serializer relies on a global GeoDjango field mapping.

`rest_framework_gis` is not an installed app (geotrack/settings/__init__.py: its ready() would import DRF's
serializers at every start-up only to map GeoDjango fields for ModelSerializer). Without that mapping,
an undeclared geometry field would be serialized by DRF's generic ModelField, so every one is declared.
"""
from __future__ import annotations

from importlib import import_module

from django.contrib.gis.db import models as gis_models
from django.urls import get_resolver
from rest_framework.serializers import ALL_FIELDS, ModelSerializer

PACKAGES = ("geotrack", "projects", "execution", "citizens", "camera_sites", "layers")


def _subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def _model_serializers():
    get_resolver().url_patterns  # imports every view, and with them every serializer the API uses
    for module in ("projects.serializers", "camera_sites.serializers", "execution.serializers",
                   "citizens.serializers", "geotrack.site.notifications.serializers"):
        import_module(module)
    return {cls for cls in _subclasses(ModelSerializer)
            if cls.__module__.split(".")[0] in PACKAGES and getattr(getattr(cls, "Meta", None), "model", None)}


def _geometry_fields(serializer) -> set[str]:
    meta = serializer.Meta
    names = {field.name for field in meta.model._meta.get_fields() if isinstance(field, gis_models.GeometryField)}
    fields = getattr(meta, "fields", ALL_FIELDS)
    if fields != ALL_FIELDS:
        names &= set(fields) | {getattr(meta, "geo_field", None)}
    return names - set(getattr(meta, "exclude", ()))


def test_every_model_serializer_declares_its_geometry_fields():
    serializers = _model_serializers()
    assert {"ProjectSerializer", "CameraWriteSerializer"} <= {cls.__name__ for cls in serializers}
    undeclared = sorted(f"{cls.__module__}.{cls.__name__}.{name}" for cls in serializers
                        for name in _geometry_fields(cls) - set(cls._declared_fields))
    assert not undeclared, undeclared
