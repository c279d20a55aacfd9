"""geotrack settings: every value comes from the environment, with an embedded default.

See CONTRACT.md "Settings". Nothing here needs a file outside the checkout, except
the project-local state folder (see geotrack/lib/localdb.py), which holds the
generated SECRET_KEY, the local cluster and the default media folder.
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

BASE_DIR = Path(__file__).resolve().parent.parent
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
    "django.contrib.auth.middleware.AuthenticationMiddleware",
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
# Sessions in the database, loaded by a prepared statement (geotrack/core/sessions.py).
SESSION_ENGINE = "geotrack.core.sessions"
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

# Map and domain settings (CONTRACT.md, Settings and Vocabulary).
BASEMAP_URL = env_str("BASEMAP_URL", "")
BASEMAP_ATTRIBUTION = env_str("BASEMAP_ATTRIBUTION", "&copy; OpenStreetMap contributors")
GEOTRACK = {
    "AT_RISK_LAG_POINTS": env_float("AT_RISK_LAG_POINTS", 15.0),
    "STALE_REPORT_DAYS": env_int("STALE_REPORT_DAYS", 60),
    "EXTENT_MARGIN_KM": env_float("EXTENT_MARGIN_KM", 50.0),
    "MAX_VERTICES": env_int("MAX_VERTICES", 20000),
    "DEMO_BANNER": env_bool("DEMO_BANNER", True),
    # Request bodies by URL name: JSON writes are small; uploads get their own, larger limits.
    "BODY_LIMITS": {
        "camera-snapshots": env_int("SNAPSHOT_MAX_BYTES", 8 * 1024 * 1024),
        "imagery-list": env_int("IMAGERY_MAX_BYTES", 2 * 1024 * 1024 * 1024),
        "layers_imagery_add": env_int("IMAGERY_MAX_BYTES", 2 * 1024 * 1024 * 1024),  # the admin's upload
        "layers_imagery_change": env_int("IMAGERY_MAX_BYTES", 2 * 1024 * 1024 * 1024),
        "import-projects": env_int("IMPORT_MAX_BYTES", 512 * 1024 * 1024),
        "project-report": env_int("REPORT_MAX_BODY_BYTES", 110 * 1024 * 1024),
        "execution-report-documents": env_int("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024) + 64 * 1024,
        "feedback-list": env_int("FEEDBACK_MAX_BODY_BYTES", 32 * 1024 * 1024),
        "feedback-new": env_int("FEEDBACK_MAX_BODY_BYTES", 32 * 1024 * 1024),
        "default": env_int("API_MAX_BODY_BYTES", 2 * 1024 * 1024),
    },
    # Execution reports' documents (PDF, DOCX, XLSX, JPEG, PNG): size of one, and how many per report.
    "DOCUMENT_MAX_BYTES": env_int("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024),
    "DOCUMENT_MAX_COUNT": env_int("DOCUMENT_MAX_COUNT", 10),
    "API_MAX_PAGE_SIZE": env_int("API_MAX_PAGE_SIZE", 10000),
    "API_DEFAULT_PAGE_SIZE": env_int("API_DEFAULT_PAGE_SIZE", 100),
    "EXACT_COUNT_LIMIT": env_int("EXACT_COUNT_LIMIT", 10000),
    "CAMERA_OFFLINE_AFTER_SECONDS": env_int("CAMERA_OFFLINE_AFTER_SECONDS", 300),
    # GIS analysts: exports above EXPORT_SYNC_MAX features run in the background; OGC API page sizes.
    "EXPORT_SYNC_MAX": env_int("EXPORT_SYNC_MAX", 200000),
    "EXPORT_TIMEOUT_SECONDS": env_int("EXPORT_TIMEOUT_SECONDS", 600),
    "OC4IDS_PREFIX": env_str("OC4IDS_PREFIX", "oc4ids-gtkz"),
    # OC4IDS packages of more projects than this are written by the worker (202 with a status URL).
    "OC4IDS_SYNC_MAX": env_int("OC4IDS_SYNC_MAX", 200000),
    "OC4IDS_PUBLISHER": env_str("OC4IDS_PUBLISHER", "geotrack"),
    "OGC_DEFAULT_LIMIT": env_int("OGC_DEFAULT_LIMIT", 10),
    "OGC_MAX_LIMIT": env_int("OGC_MAX_LIMIT", 10000),
    "IMPORT_SYNC_MAX_ROWS": env_int("IMPORT_SYNC_MAX_ROWS", 20000),
    # Bulk imports (every entry point): features per file, and a zipped Shapefile's entries and unpacked size.
    "IMPORT_MAX_FEATURES": env_int("IMPORT_MAX_FEATURES", 2_000_000),
    "IMPORT_MAX_ZIP_ENTRIES": env_int("IMPORT_MAX_ZIP_ENTRIES", 16),
    "IMPORT_MAX_UNZIPPED_BYTES": env_int("IMPORT_MAX_UNZIPPED_BYTES", 2 * 1024 * 1024 * 1024),
    # Camera devices: one snapshot per camera per interval (429 otherwise), an image pixel cap
    # (413), a tolerated device clock skew for captured_at, and the thumbnail's longest side.
    "SNAPSHOT_MIN_INTERVAL_S": env_float("SNAPSHOT_MIN_INTERVAL_S", 2.0),
    "SNAPSHOT_MAX_PIXELS": env_int("SNAPSHOT_MAX_PIXELS", 40_000_000),
    "SNAPSHOT_CLOCK_SKEW_S": env_int("SNAPSHOT_CLOCK_SKEW_S", 120),
    "SNAPSHOT_THUMBNAIL_PX": env_int("SNAPSHOT_THUMBNAIL_PX", 320),
    # Imagery: where COGs go (a folder, or any GDAL-writable URI such as /vsis3/bucket/imagery;
    # empty means MEDIA_ROOT/imagery) and what an upload may be.
    "IMAGERY_LOCATION": env_str("IMAGERY_LOCATION", ""),
    "IMAGERY_MAX_WIDTH": env_int("IMAGERY_MAX_WIDTH", 40000),
    "IMAGERY_MAX_HEIGHT": env_int("IMAGERY_MAX_HEIGHT", 40000),
    "IMAGERY_MAX_BANDS": env_int("IMAGERY_MAX_BANDS", 16),
    "IMAGERY_MAX_FILE_BYTES": env_int("IMAGERY_MAX_FILE_BYTES", 2 * 1024 * 1024 * 1024),
    # Rendered PNG tiles of imagery kept per process (layers/raster_tiles.py, _RenderedTiles); 0 renders every tile.
    "RASTER_TILE_CACHE_MB": env_int("RASTER_TILE_CACHE_MB", 32),
    # Ground-change evidence (README, "Satellite imagery").
    "CHANGE_BUFFER_M": env_float("CHANGE_BUFFER_M", 100.0),
    "EVIDENCE_PROGRESS_RISE": env_float("EVIDENCE_PROGRESS_RISE", 20.0),
    "EVIDENCE_MIN_CHANGE": env_float("EVIDENCE_MIN_CHANGE", 0.03),
    # Below this zoom, project tiles carry grid clusters instead of projects.
    "TILE_AGGREGATE_BELOW_ZOOM": env_int("TILE_AGGREGATE_BELOW_ZOOM", 9),
    # Cluster tiles and region aggregates are cached until the change token moves.
    "AGGREGATE_CACHE_SECONDS": env_int("AGGREGATE_CACHE_SECONDS", 3600),
    "REPORT_MAX_PHOTOS": env_int("REPORT_MAX_PHOTOS", 10),
    "REPORT_PHOTO_MAX_BYTES": env_int("REPORT_PHOTO_MAX_BYTES", 10 * 1024 * 1024),
    "REPORT_PHOTO_MAX_PIXELS": env_int("REPORT_PHOTO_MAX_PIXELS", 40_000_000),
    # The evidence check of every photo (projects/photo_checks.py): on site within a buffer, taken at
    # most so many days before upload, a camera clock this far ahead tolerated, near-identical below
    # so many differing bits of the 64-bit pHashes (geotrack/core/photos.py).
    "PHOTO_SITE_BUFFER_M": env_float("PHOTO_SITE_BUFFER_M", 200.0),
    "PHOTO_MAX_AGE_DAYS": env_int("PHOTO_MAX_AGE_DAYS", 30),
    "PHOTO_CLOCK_SKEW_S": env_int("PHOTO_CLOCK_SKEW_S", 3600),
    "PHOTO_SAME_IMAGE_BITS": env_int("PHOTO_SAME_IMAGE_BITS", 8),
    # Citizen feedback (citizens/): text length, photos, and when unanswered feedback becomes an alert.
    "FEEDBACK_TEXT_MIN": env_int("FEEDBACK_TEXT_MIN", 10),
    "FEEDBACK_TEXT_MAX": env_int("FEEDBACK_TEXT_MAX", 2000),
    "FEEDBACK_MAX_PHOTOS": env_int("FEEDBACK_MAX_PHOTOS", 3),
    "FEEDBACK_PHOTO_MAX_BYTES": env_int("FEEDBACK_PHOTO_MAX_BYTES", 10 * 1024 * 1024),
    "FEEDBACK_PHOTO_MAX_PIXELS": env_int("FEEDBACK_PHOTO_MAX_PIXELS", 40_000_000),
    "FEEDBACK_UNANSWERED_DAYS": env_int("FEEDBACK_UNANSWERED_DAYS", 7),
    # Alerts ("where to activate").
    "ALERT_DEADLINE_DAYS": env_int("ALERT_DEADLINE_DAYS", 90),
    "ALERT_STALE_DAYS": env_int("ALERT_STALE_DAYS", 60),
    "ALERT_CAMERA_DAYS": env_int("ALERT_CAMERA_DAYS", 3),
    "ALERT_LIMIT": env_int("ALERT_LIMIT", 500),
    # Rate limits (count per seconds), counted in PostgreSQL so they hold across processes and nodes
    # (geotrack/core/throttle.py): sign-in and tokens per address and per username (failures only,
    # so a real user is never locked out for longer than the window), and expensive reads per caller.
    "RATE_LIMITS": {
        "login-ip": (env_int("LOGIN_RATE_IP", 20), 60),
        "login-user": (env_int("LOGIN_FAILURES_USER", 10), 900),
        "login-user-ip": (env_int("LOGIN_FAILURES_USER_IP", 5), 300),
        "export": (env_int("EXPORT_RATE", 30), 3600),
        "oc4ids": (env_int("OC4IDS_RATE", 10), 3600),
        "report-pdf": (env_int("REPORT_PDF_RATE", 20), 3600),
        "as-of": (env_int("AS_OF_RATE", 60), 3600),
        "jobs": (env_int("JOB_START_RATE", 30), 3600),
        # Citizen feedback: sends per address, and follow-page reads per address and per token.
        "feedback-ip": (env_int("FEEDBACK_RATE_IP", 10), 3600),
        "feedback-follow-ip": (env_int("FEEDBACK_FOLLOW_RATE_IP", 120), 3600),
        "feedback-token": (env_int("FEEDBACK_FOLLOW_RATE_TOKEN", 60), 3600),
        "subscribe": (env_int("SUBSCRIBE_RATE", 20), 3600),  # anonymous e-mail subscriptions per address
    },
    "TRUST_X_FORWARDED_FOR": env_bool("TRUST_X_FORWARDED_FOR", False),
    # Background work a signed-in user may have queued or running at once, and how long its files stay.
    "MAX_JOBS_PER_USER": env_int("MAX_JOBS_PER_USER", 3),
    "GENERATED_FILES_RETENTION_HOURS": env_int("GENERATED_FILES_RETENTION_HOURS", 24 * 7),
    # How long the first answer to a write with an Idempotency-Key is kept for replays.
    "IDEMPOTENCY_RETENTION_HOURS": env_int("IDEMPOTENCY_RETENTION_HOURS", 24 * 7),
    # Synchronous exports running at once over all processes; beyond, 429 with Retry-After.
    "EXPORT_CONCURRENCY": env_int("EXPORT_CONCURRENCY", 4),
    # Operations (README, "Operations"): what a 503 tells callers to wait while the database is away;
    # the worker's heartbeat, when it counts as lost, and its reconnection backoff; what /readyz accepts.
    "UNAVAILABLE_RETRY_AFTER_S": env_int("UNAVAILABLE_RETRY_AFTER_S", 5),
    "WORKER_HEARTBEAT_S": env_float("WORKER_HEARTBEAT_S", 5.0),
    "WORKER_STALE_S": env_float("WORKER_STALE_S", 30.0),
    "WORKER_MAX_BACKOFF_S": env_float("WORKER_MAX_BACKOFF_S", 10.0),
    "WORKER_HEARTBEAT_FILE": env_str("WORKER_HEARTBEAT_FILE", ""),
    "READY_MAX_JOB_AGE_S": env_int("READY_MAX_JOB_AGE_S", 600),
    # A pooled connection that finished a request this recently skips Django's per-request health check
    # (one round trip); an older one is checked as before (geotrack/core/db.py).
    "DB_HEALTH_CHECK_IDLE_SECONDS": env_float("DB_HEALTH_CHECK_IDLE_SECONDS", 1.0),
    # Rendered pages are kept per audience, user, language and change token; at most this long
    # (geotrack/site/page_cache.py), which bounds what no change token follows.
    "PAGE_CACHE_SECONDS": env_int("PAGE_CACHE_SECONDS", 60),
    # After a write, the same caller reads the primary for this long (replica lag is far below it).
    "REPLICA_STICKY_SECONDS": env_int("REPLICA_STICKY_SECONDS", 5),
}

# Notifications (README, "Notifications"; CONTRACT.md, Extensions: notifications). Without EMAIL_HOST, mail
# is written to the log (console backend). Channels are used by the worker only, never in a request.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "geotrack <noreply@localhost>")
NOTIFY_EMAIL_BACKEND = ("django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
                        else "django.core.mail.backends.console.EmailBackend")
TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN", "")
TELEGRAM_API_URL = env_str("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
NOTIFY = {
    # Messages per second per channel, over all recipients (Telegram allows ~30/s per bot).
    "RATE_PER_SECOND": {"email": env_float("NOTIFY_EMAIL_RATE", 20.0),
                        "telegram": env_float("NOTIFY_TELEGRAM_RATE", 25.0),
                        "webhook": env_float("NOTIFY_WEBHOOK_RATE", 50.0)},
    "MAX_ATTEMPTS": env_int("NOTIFY_MAX_ATTEMPTS", 6),
    "BACKOFF_SECONDS": env_int("NOTIFY_BACKOFF_SECONDS", 30),  # 30 s, 60 s, 120 s, ... between attempts
    "NETWORK_TIMEOUT": env_float("NOTIFY_NETWORK_TIMEOUT", 10.0),
    "SEND_LEASE_SECONDS": env_int("NOTIFY_SEND_LEASE_SECONDS", 120),
    "BATCH": env_int("NOTIFY_BATCH", 200),  # deliveries claimed at once
    "PASS_SECONDS": env_int("NOTIFY_PASS_SECONDS", 50),  # sending time per worker pass
    "TELEGRAM_POLL_SECONDS": env_int("NOTIFY_TELEGRAM_POLL_SECONDS", 0),  # getUpdates long-poll timeout
    "TELEGRAM_CODE_MINUTES": env_int("NOTIFY_TELEGRAM_CODE_MINUTES", 30),
    "WEBHOOK_ALLOW_PRIVATE": env_bool("NOTIFY_WEBHOOK_ALLOW_PRIVATE", False),
    # Defaults by role name (roles that do not exist yet apply once they land): what a user of the role
    # follows by e-mail until they choose otherwise. follow: "regions" (their profile's regions),
    # "agencies" (their profile's agencies), or nothing with alert_kinds only.
    "ROLE_DEFAULTS": {
        "akimat": {"follow": "regions", "alert_kinds": []},
        "ministry": {"follow": "agencies", "alert_kinds": []},
        "coordinator": {"follow": "", "alert_kinds": ["item_overdue", "report_late", "milestone_overdue",
                                                       "instruction_overdue"]},
    },
    # Escalation ladders per alert kind ("default" for the rest): after N days open and unacknowledged
    # the alert climbs to the step's people. Each target names a role, optionally a group of users (Django
    # auth Group) and a scope: "agency" (users bound to the alert's agency), "region" (to its regions).
    "ESCALATION": {
        "default": [
            {"after_days": 3, "step": "head", "to": [{"role": "ministry", "group": "heads", "scope": "agency"},
                                                    {"role": "akimat", "group": "heads", "scope": "region"}]},
            {"after_days": 7, "step": "coordinator", "to": [{"role": "coordinator"}]},
        ],
        "project_stale": [],
    },
}

# Logs: JSON lines on stderr, each with the request id (geotrack/core/requestid.py); LOG_FORMAT=text
# for people reading a terminal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "geotrack.core.requestid.RequestIdFilter"}},
    "formatters": {"json": {"()": "geotrack.core.requestid.JsonLogFormatter"},
                   "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": "text" if env_str("LOG_FORMAT", "json") == "text" else "json"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {"geotrack": {"level": env_str("GEOTRACK_LOG_LEVEL", "INFO")}},
}

# gis.W001: GDAL 3.6 cannot block file access from SpatialReference(). geotrack
# never passes untrusted strings there: client SRIDs come from an allow-list.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
