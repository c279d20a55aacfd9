"""Project pages (mounted at the site root)."""
from django.urls import path

from projects import pages

urlpatterns = [
    path("projects/new/", pages.project_new_page, name="project-new"),
    path("projects/<int:pk>/", pages.project_page, name="project-page"),
    path("embed/projects/<int:pk>/", pages.project_embed, name="project-embed"),
]
