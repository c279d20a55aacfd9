"""The URL configuration: every path of ours is named here and in the included urls.py files."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from geotrack.site.accounts import ThrottledLoginView
from geotrack.site.notifications import urls as notification_urls

api = [
    path("", include("projects.urls")),
    path("", include("execution.urls")),
    path("", include("citizens.urls")),
    path("", include("camera_sites.urls")),
    path("imagery/", include("layers.imagery_urls")),
    path("exports/", include("layers.exports.urls")),
    path("imports/", include("projects.imports.urls")),
    path("", include("geotrack.site.api_urls")),
    path("", include(notification_urls.api_urlpatterns)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),  # JS apart: CSP
]

urlpatterns = [
    path("api/", include(api)),
    path("", include("layers.urls")),
    path("ogc/", include("layers.ogc.urls")),
    path("", include("geotrack.site.urls")),
    path("", include(notification_urls.urlpatterns)),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler400 = "geotrack.site.errors.bad_request"
handler403 = "geotrack.site.errors.permission_denied"
handler404 = "geotrack.site.errors.not_found"
handler500 = "geotrack.site.errors.server_error"
