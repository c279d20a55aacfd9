from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from geotrack import views

api = [
    path("", include("projects.urls")),
    path("", include("camera_sites.urls")),
    path("imagery/", include("layers.imagery_urls")),
    path("exports/", include("layers.exports.urls")),
    path("imports/", include("projects.imports.urls")),
    path("changes/", views.changes, name="changes"),
    path("dashboard/", views.dashboard_api, name="dashboard-api"),
    path("auth/token/", views.TokenLoginView.as_view(), name="api-token"),
    path("auth/logout/", views.TokenLogoutView.as_view(), name="api-token-logout"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Pages without our <link rel="icon"> (admin, API docs) make browsers ask for this.
    path("favicon.ico", RedirectView.as_view(url=static("geotrack/favicon.svg"), permanent=True)),
    path("api/", include(api)),
    path("", include("layers.urls")),
    path("ogc/", include("layers.ogc.urls")),
    path("", include("camera_sites.page_urls")),
    path("", include("projects.page_urls")),
    path("", include("projects.report_urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
