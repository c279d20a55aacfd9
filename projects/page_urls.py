"""Project pages (mounted at the site root)."""
from django.urls import path

from projects import pages, reporting, roadmap_pages

urlpatterns = [
    path("projects/new/", pages.project_new_page, name="project-new"),
    path("projects/<int:pk>/", pages.project_page, name="project-page"),
    path("projects/<int:pk>/report/", reporting.report_page, name="project-report"),
    path("projects/<int:pk>/photos/<int:photo_id>/<str:variant>", reporting.photo_file, name="project-photo"),
    path("embed/projects/<int:pk>/", pages.project_embed, name="project-embed"),
    path("roadmap/", roadmap_pages.roadmap_list, name="roadmap"),
    path("roadmap/<int:number>/", roadmap_pages.roadmap_item_page, name="roadmap-item"),
]
