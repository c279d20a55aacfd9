"""Routes (see CONTRACT.md, API): POST /api/imports/ and the state of background imports."""
from django.urls import path

from projects.imports import views

urlpatterns: list = [
    path("", views.ImportProjects.as_view(), name="import-projects"),
    path("jobs/<uuid:job_id>/", views.ImportJob.as_view(), name="import-job"),
]
