"""The site's pages, mounted at the root."""
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from geotrack.site import api, health
from geotrack.site.pages import (agencies, cameras, feedback, home, imagery, maps, meetings, offline, projects,
                                 reporting, roadmap)
from geotrack.site.reports.views import RoadmapReportView

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", api.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics_view, name="metrics"),
    # The service worker must sit at the root for its scope to be every page (geotrack/site/pages/offline.py).
    path("sw.js", offline.service_worker, name="service-worker"),
    # Pages without our <link rel="icon"> (admin, API docs) make browsers ask for this.
    path("favicon.ico", RedirectView.as_view(url=static("geotrack/favicon.svg"), permanent=True)),
    path("map/", maps.national_map_page, name="map"),
    path("map/regions/<str:iso>/", maps.region_map_page, name="region-map"),
    path("embed/", maps.national_embed, name="embed"),
    path("embed/regions/<str:iso>/", maps.region_embed, name="region-embed"),
    path("embed/projects/<int:pk>/", projects.project_embed, name="project-embed"),
    path("projects/new/", projects.project_new_page, name="project-new"),
    path("projects/<int:pk>/", projects.project_page, name="project-page"),
    path("projects/<int:pk>/report/", reporting.report_page, name="project-report"),
    path("projects/<int:pk>/photos/<int:photo_id>/<str:variant>", reporting.photo_file, name="project-photo"),
    path("imagery/<int:pk>/compare/", imagery.imagery_compare, name="imagery-compare"),
    path("cameras/<int:pk>/", cameras.camera_page, name="camera-page"),
    path("roadmap/", roadmap.roadmap_list, name="roadmap"),
    path("roadmap/<int:number>/", roadmap.roadmap_item_page, name="roadmap-item"),
    path("reports/roadmap.<str:fmt>", RoadmapReportView.as_view(), name="roadmap-report"),
    path("feedback/new/", feedback.feedback_new, name="feedback-new"),
    path("feedback/moderate/", feedback.feedback_moderation, name="feedback-moderation"),
    path("feedback/moderate/<int:pk>/", feedback.feedback_decide, name="feedback-decide"),
    path("feedback/<str:token>/", feedback.feedback_follow, name="feedback-follow"),
    path("agencies/<slug:code>/", agencies.agency_page, name="agency-page"),
    path("meetings/<int:pk>/", meetings.meeting_page, name="meeting-page"),
    path("meetings/<int:pk>/agenda/propose/", meetings.agenda_propose_page, name="meeting-agenda-propose"),
    path("meetings/<int:pk>/present/", meetings.present_page, name="meeting-present"),
    path("meetings/<int:pk>/present/<int:index>/", meetings.present_view, name="meeting-present-view"),
    path("meetings/<int:pk>/protocol.pdf", meetings.protocol_pdf, name="meeting-protocol"),
]
