"""How the OpenAPI document describes a camera device's authentication."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "camera_sites.authentication.DeviceTokenAuthentication"
    name = "cameraDeviceToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A camera's device token (camera_token command)."}
