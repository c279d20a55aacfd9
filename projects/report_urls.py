"""Report pages, mounted at the site root: path("", include("projects.report_urls"))."""
from django.urls import path

from projects.report_views import RoadmapReportView

urlpatterns = [
    path("reports/roadmap.<str:fmt>", RoadmapReportView.as_view(), name="roadmap-report"),
]
