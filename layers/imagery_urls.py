"""Imagery API routes, mounted at /api/imagery/."""
from django.urls import path

from layers import imagery_views

urlpatterns: list = [
    path("", imagery_views.ImageryList.as_view(), name="imagery-list"),
    path("evidence/", imagery_views.EvidenceList.as_view(), name="imagery-evidence"),
    path("<int:pk>/", imagery_views.ImageryDetail.as_view(), name="imagery-detail"),
]
