"""How the OpenAPI document describes the site's own authentication classes."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ThrottledBasicScheme(OpenApiAuthenticationExtension):
    target_class = "geotrack.site.accounts.ThrottledBasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic",
                "description": "Username and password, for POST /api/auth/token/ only (throttled)."}
