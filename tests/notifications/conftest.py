"""Servers on 127.0.0.1 (SMTP, Bot API, webhook receiver), settings pointing at them, and stale projects."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Polygon
from django.utils import timezone

from projects.models import Project
from projects.services import project_save
from tests.notifications.servers import BotApi, BotServer, SmtpServer, WebhookReceiver

ALMATY = (76.93, 43.25)
ASTANA = (71.45, 51.17)


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def bot():
    api = BotApi()
    server = BotServer(api).start()
    api.url = server.url
    yield api
    server.stop()


@pytest.fixture
def webhook():
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def notify_settings(settings, smtp, bot):
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
    settings.NOTIFY_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_API_URL = bot.token, bot.url
    settings.NOTIFY = {**settings.NOTIFY, "WEBHOOK_ALLOW_PRIVATE": True, "NETWORK_TIMEOUT": 5.0,
                       "RATE_PER_SECOND": {"email": 1000.0, "telegram": 1000.0, "webhook": 1000.0}}
    return settings


def stale_project(agency, title: str, where=ALMATY, *, public: bool = False) -> Project:
    """An active project without a report for a year: alerts.py raises project_stale for it."""
    lon, lat = where
    geom = Polygon.from_bbox((lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01))
    geom.srid = 4326
    return project_save(project=Project(
        title=title, sector="education", kind="infrastructure", agency=agency, geom=geom, is_public=public,
        status="implementation", planned_start=dt.date(2024, 1, 1), planned_end=dt.date(2027, 12, 31),
        created_at=timezone.now() - dt.timedelta(days=365)))
