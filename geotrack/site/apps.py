from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "geotrack.site"
    label = "geotrack_site"
    verbose_name = "geotrack"
