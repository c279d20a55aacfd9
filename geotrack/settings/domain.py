"""geotrack's own settings: map, limits, thresholds, rate limits (CONTRACT.md, Settings and Vocabulary).

Each value comes from the environment, with an embedded default; Django reads them as settings.GEOTRACK.
"""
from __future__ import annotations

from geotrack.lib.env import env_bool, env_float, env_int, env_str

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
