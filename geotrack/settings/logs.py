"""Logs: JSON lines on stderr, each with the request id (geotrack/core/requestid.py); LOG_FORMAT=text
for people reading a terminal.
"""
from __future__ import annotations

from geotrack.lib.env import env_str

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
