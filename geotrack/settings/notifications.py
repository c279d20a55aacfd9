"""Notifications (README, "Notifications"; CONTRACT.md, Extensions: notifications).

Without EMAIL_HOST, mail is written to the log (console backend). Channels are used by the worker only,
never in a request.
"""
from __future__ import annotations

from geotrack.lib.env import env_bool, env_float, env_int, env_str

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
