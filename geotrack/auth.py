from knox.auth import TokenAuthentication  # noqa: F401
