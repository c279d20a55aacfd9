from django.urls import path

from projects import api_lists, views

urlpatterns = [
    path("projects/", views.ProjectList.as_view(), name="project-list"),
    path("projects/<int:pk>/", views.ProjectDetail.as_view(), name="project-detail"),
    path("projects/<int:pk>/progress/", views.ProjectProgress.as_view(), name="project-progress"),
    path("regions/", views.RegionList.as_view(), name="region-list"),
    path("roadmap-items/", api_lists.RoadmapItemList.as_view(), name="roadmap-item-list"),
    path("agencies/", api_lists.AgencyList.as_view(), name="agency-list"),
]
