"""The site's API routes, mounted under /api/."""
from django.urls import path

from geotrack.site import accounts, api

urlpatterns = [
    path("alerts/", api.AlertList.as_view(), name="alert-list"),
    path("changes/", api.changes, name="changes"),
    path("dashboard/", api.dashboard_api, name="dashboard-api"),
    path("auth/token/", api.TokenLoginView.as_view(), name="api-token"),
    path("auth/logout/", api.TokenLogoutView.as_view(), name="api-token-logout"),
    path("auth/tokens/", accounts.TokenList.as_view(), name="api-tokens"),
    path("auth/tokens/<str:token_id>/", accounts.TokenDetail.as_view(), name="api-token-detail"),
]
