"""Regions, agencies, roadmap items, projects and their progress history.

Django finds an app's models in ``projects.models``: every model is imported here, one module per entity.
Migration 0001 names ``TranslatedNameMixin`` and ``GeometryType`` from here, so they stay importable too.
"""
from projects.models.base import (
    ALLOWED_GEOMETRY_TYPES, GeometryType, TranslatedNameMixin, percent_range, valid_geometry,
)
# Near the order of the one models.py (the app registry's order); only Profile moved, after the progress models.
from projects.models.places import Agency, Region
from projects.models.roadmap import RoadmapItem
from projects.models.project import EffectiveAtHistory, Project, ProjectRegion
from projects.models.progress import ProgressMonthly, ProgressPhoto, ProgressReport
from projects.models.profile import Profile
from projects.models.photo_check import PhotoCheck
from projects.models.session import UserSession

# django-simple-history names the app ("projects") as the module of history models declared outside
# projects/models.py, and no class of that name is there: pickling a history queryset failed. Their module is
# this one again, as when the models were one module.
HistoricalProject = Project.history.model
HistoricalProject_roadmap_items = HistoricalProject.roadmap_items.model
HistoricalProject.__module__ = HistoricalProject_roadmap_items.__module__ = __name__

__all__ = [
    "ALLOWED_GEOMETRY_TYPES", "Agency", "EffectiveAtHistory", "GeometryType", "HistoricalProject",
    "HistoricalProject_roadmap_items", "PhotoCheck", "Profile", "ProgressMonthly", "ProgressPhoto", "ProgressReport",
    "Project", "ProjectRegion", "Region", "RoadmapItem", "TranslatedNameMixin", "UserSession", "percent_range",
    "valid_geometry",
]
