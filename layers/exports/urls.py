"""Routes (see CONTRACT.md, API): /api/exports/<layer>.<format>, OC4IDS and background jobs."""
from django.urls import path, re_path

from layers.exports import views

urlpatterns: list = [
    path("projects.oc4ids.json", views.Oc4idsExport.as_view(), name="export-oc4ids"),
    path("jobs/<uuid:job_id>/", views.ExportJob.as_view(), name="export-job"),
    path("jobs/<uuid:job_id>/file", views.ExportJobFile.as_view(), name="export-job-file"),
    re_path(r"^(?P<layer>[a-z_-]+)\.(?P<export_format>[a-z0-9.]+)$", views.LayerExport.as_view(), name="export"),
]
