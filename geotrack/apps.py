from django.apps import AppConfig


class GeotrackConfig(AppConfig):
    name = "geotrack"
    verbose_name = "geotrack"
