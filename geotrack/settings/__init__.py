"""geotrack settings: every value comes from the environment, with an embedded default.

Django's own settings are here; geotrack's (GEOTRACK), notifications and logs are in domain.py,
notifications.py and logs.py beside this module. See CONTRACT.md "Settings". Nothing here needs a
file outside the checkout, except the project-local state folder (see geotrack/lib/localdb.py), which
holds the generated SECRET_KEY, the local cluster and the default media folder.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url

from geotrack.core import assets
from geotrack.lib import localdb
from geotrack.lib.env import env_bool, env_float, env_int, env_list, env_str
# geotrack's own settings (GEOTRACK), notifications and logs live in the modules beside this one.
from geotrack.settings.domain import BASEMAP_ATTRIBUTION, BASEMAP_URL, GEOTRACK  # noqa: F401
from geotrack.settings.logs import LOGGING  # noqa: F401
from geotrack.settings.notifications import (DEFAULT_FROM_EMAIL, EMAIL_HOST, EMAIL_HOST_PASSWORD,  # noqa: F401
                                             EMAIL_HOST_USER, EMAIL_PORT, EMAIL_TIMEOUT, EMAIL_USE_TLS, NOTIFY,
                                             NOTIFY_EMAIL_BACKEND, SITE_URL, TELEGRAM_API_URL, TELEGRAM_BOT_TOKEN)

BASE_DIR = Path(__file__).resolve().parents[2]
STATE_DIR = Path(env_str("GEOTRACK_STATE_DIR", str(localdb.state_dir())))

# Two GDALs live in this process: GeoDjango loads Debian's libgdal 3.6 through
# ctypes, while the rasterio and pyogrio wheels carry their own GDAL and PROJ.
# Each finds its own proj.db only while PROJ_DATA/PROJ_LIB are unset; a global
# value breaks one of them (see README, "Two GDALs"). So never inherit them.
for _proj_var in ("PROJ_DATA", "PROJ_LIB"):
    os.environ.pop(_proj_var, None)


def _secret_key() -> str:
    if key := env_str("SECRET_KEY"):
        return key
    key_file = STATE_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    # Not "rest_framework_gis": its ready() only maps GeoDjango fields for ModelSerializer, importing DRF's
    # serializers (and requests, yaml, pygments) at every start-up (0.1-0.17 s); ours declare their geometry
    # fields (tests/architecture/test_geometry_fields.py), and its fields, filters and serializers need no app.
    "knox",
    "django_filters",
    "drf_spectacular",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "geotrack.core",
    "projects",
    "execution",
    "citizens",
    "camera_sites",
    "layers",
    "geotrack.site",
    "geotrack.site.notifications",
]

MIDDLEWARE = [
    "geotrack.core.requestid.RequestIdMiddleware",
    "geotrack.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "geotrack.core.dbrouter.ReplicaRoutingMiddleware",
    "geotrack.core.middleware.BodySizeLimitMiddleware",
    "geotrack.core.middleware.PrivateApiCacheMiddleware",
    "geotrack.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "geotrack.core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "projects.sessions.AuthenticationMiddleware",  # Django's, offered the user read with the session
    "geotrack.core.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "geotrack.core.middleware.HistoryRequestMiddleware",
    # Last, so that its process_exception sees a view's lost database first (geotrack/core/faults.py).
    "geotrack.core.faults.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "geotrack.urls"
WSGI_APPLICATION = "geotrack.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "geotrack.site.context_processors.site",
            ],
            # {% csp_nonce %} and |nonced in every template (geotrack/core/csp.py).
            "builtins": ["geotrack.core.templatetags.csp"],
        },
    },
]

# Database: DATABASE_URL (postgis://...) or the project-local cluster.
if env_str("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL"))}
    DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
    # The application's role is no superuser: test databases are copied from a template in which
    # the cluster's superuser created the extensions (README, "Database role").
    if env_str("TEST_DATABASE_TEMPLATE"):
        DATABASES["default"]["TEST"] = {"TEMPLATE": env_str("TEST_DATABASE_TEMPLATE")}
else:
    DATABASES = {"default": localdb.database_settings()}
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
# PostGIS's cost estimates push ordinary spatial queries over jit_above_cost, and
# JIT compilation then costs ~30 ms per query: far more than these queries take.
DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
# psycopg prepares a statement sent DB_PREPARE_THRESHOLD times on one connection (its own default, 5).
# Only the hot statements bind on the server and so can be prepared (geotrack.core.sql.statement_cursor:
# vector tiles, features pages, change tokens, sessions, the signed-in user); they then skip
# PostgreSQL's planning, which costs more than running them. Django turns this off by default for
# transaction-pooling PgBouncer: set DB_PREPARE_THRESHOLD=off behind one.
_prepare_threshold = env_str("DB_PREPARE_THRESHOLD", "5").strip().lower()
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = (
    None if _prepare_threshold in {"", "off"} else int(_prepare_threshold))
if DATABASES["default"]["OPTIONS"]["prepare_threshold"] is not None:
    # A prepared statement is planned anew on each run while PostgreSQL judges its generic plan dearer
    # than the custom ones, and for a vector tile (an envelope of three parameters) it always does:
    # preparing then saved nothing (0.90 against 0.26 ms for the same tile). The generic plans of the
    # statements above were measured as fast as custom ones at every zoom and page (bench/request_cost/
    # README.md). Django's own statements are never prepared, so they are not affected.
    DATABASES["default"]["OPTIONS"]["options"] += " -c plan_cache_mode=force_generic_plan"
# A streaming replica (make cluster): reads that may lag go there (geotrack/core/dbrouter.py).
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {**dj_database_url.parse(env_str("DATABASE_REPLICA_URL")),
                            "ENGINE": "django.contrib.gis.db.backends.postgis",
                            "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"], "CONN_HEALTH_CHECKS": True,
                            "OPTIONS": dict(DATABASES["default"]["OPTIONS"]), "TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["geotrack.core.dbrouter.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Sessions in the database, each read with its user and profile by one prepared statement (projects/sessions.py).
SESSION_ENGINE = "projects.sessions"
# Sign-in is ModelBackend's; the session's user is loaded with its profile in one query
# (projects/backends.py). ModelBackend stays listed for sessions made before it.
AUTHENTICATION_BACKENDS = ["projects.backends.ProfileModelBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Languages: Kazakh, Russian, English. Django ships no Kazakh formats, so ours
# live in geotrack/formats/kk; missing Kazakh strings are completed in locale/kk.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")]
# locale/: our strings (makemessages keeps it current). locale_django/: Kazakh for
# Django's own core/auth/admin strings that Django leaves untranslated; kept apart
# so that makemessages never marks them obsolete.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_django"]
FORMAT_MODULE_PATH = ["geotrack.formats"]
USE_I18N = True
USE_TZ = True
# TIME_ZONE decides what "the deadline day" is (Kazakhstan is UTC+5 since 2024).
TIME_ZONE = env_str("TIME_ZONE", "Asia/Almaty")

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = assets.staticfiles_dirs()
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "geotrack.core.assets.VendorFileFinder",
]
STORAGES = {
    "default": {"BACKEND": env_str("DEFAULT_FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(STATE_DIR / "media")))
# Media on an S3-compatible store (DEFAULT_FILE_STORAGE=storages.backends.s3.S3Storage, django-storages):
# the bucket is private; files are served only through our permission-checked views.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", "geotrack-media")
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL", "") or None
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME", "us-east-1")
AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID", "") or None
AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY", "") or None
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = True
AWS_S3_FILE_OVERWRITE = False
# Media is never served as bare public URLs: files behind a role go through
# permission-checked views (CONTRACT.md, Roles). MEDIA_URL is therefore unused.
MEDIA_URL = "/media-not-served/"

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Behind a TLS-terminating reverse proxy (deploy/): SECURE_SSL=1 makes cookies secure, sends HSTS,
# trusts the proxy's X-Forwarded-Proto and redirects plain HTTP (health probes excepted).
SECURE_SSL = env_bool("SECURE_SSL", False)
if SECURE_SSL:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^(healthz|readyz|metrics)$"]
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the browser editor reads it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "geotrack.core.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# API tokens expire (TOKEN_TTL_HOURS) and a user holds at most TOKEN_LIMIT_PER_USER at once; a user
# lists and revokes their own at /api/auth/tokens/.
REST_KNOX = {"AUTH_HEADER_PREFIX": "Token", "TOKEN_TTL": dt.timedelta(hours=env_int("TOKEN_TTL_HOURS", 24 * 30)),
             "TOKEN_LIMIT_PER_USER": env_int("TOKEN_LIMIT_PER_USER", 10), "AUTO_REFRESH": False}
SPECTACULAR_SETTINGS = {
    "TITLE": "geotrack API",
    "DESCRIPTION": "Projects, regions, roadmap items and cameras of Kazakhstan's 2023-2029 programme.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": f"{STATIC_URL}vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": f"{STATIC_URL}vendor/swagger-ui/favicon-32x32.png",
    "ENUM_NAME_OVERRIDES": {"ReportStateEnum": "execution.models.ExecutionReport.State",
                            "DeadlineChangeStateEnum": "execution.models.DeadlineChange.State"},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "geotrack.core.openapi.add_error_answers"],
}

# A per-process cache by default; set CACHE_URL-style backends (Redis, database) for
# several servers. It only ever holds aggregates keyed by the change token.
CACHES = {"default": {"BACKEND": env_str("CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
                      "LOCATION": env_str("CACHE_LOCATION", "geotrack")}}
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    CACHES["default"]["OPTIONS"] = {"MAX_ENTRIES": 20000}

# Background work: django-tasks (the API Django 6 adopts) with its database
# backend, so workers on any machine that reaches PostgreSQL can take jobs.
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# gis.W001: GDAL 3.6 cannot block file access from SpatialReference(). geotrack
# never passes untrusted strings there: client SRIDs come from an allow-list.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
