"""Threat: guessing passwords, living forever on a stolen token, learning who wrote what (SECURITY.md, "Accounts").

Sign-in and the token endpoint are throttled per address and per username (429 with Retry-After),
in PostgreSQL so that every process and node counts together; a window always ends, so a real user
is slowed down for minutes at most, never locked out for good. Tokens expire, a user holds a
limited number and can list and revoke them. Report authors are named to signed-in callers only.
"""
from __future__ import annotations

import base64
import datetime as dt
import os
import subprocess
import sys

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from geotrack.core.models import RateCounter
from projects.models import Project
from projects.services import progress_report_add, project_save
from tests.actors import PASSWORD


def basic(username: str, password: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def tight_limits(settings) -> None:
    settings.GEOTRACK = {**settings.GEOTRACK, "RATE_LIMITS": {
        **settings.GEOTRACK["RATE_LIMITS"], "login-ip": (20, 60), "login-user": (5, 900), "login-user-ip": (3, 300)}}


def sign_in(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_wrong_passwords_on_the_sign_in_page_are_throttled_and_the_window_ends(people, settings):
    tight_limits(settings)
    username = people["analyst"].user.username
    client = Client()
    statuses = [sign_in(client, username, f"wrong-{attempt}").status_code for attempt in range(6)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429, 429]
    refused = sign_in(client, username, PASSWORD)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many" in refused.content.decode()
    # From elsewhere the pair limit does not apply, but the username limit does after five failures in all.
    assert sign_in(client, username, "wrong-again", address="10.0.0.2").status_code == 200
    assert sign_in(client, username, "wrong-again", address="10.0.0.2").status_code == 200
    assert sign_in(client, username, PASSWORD, address="10.0.0.3").status_code == 429
    # Another user is not affected.
    assert sign_in(client, people["admin"].user.username, PASSWORD, address="10.0.0.3").status_code == 302
    # When the windows end, the real user gets in.
    RateCounter.objects.update(window_start=F("window_start") - dt.timedelta(days=1))
    assert sign_in(Client(), username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_token_endpoint_is_throttled_like_the_sign_in_page(people, settings):
    tight_limits(settings)
    username = people["analyst"].user.username
    api = APIClient()
    statuses = [api.post(reverse("api-token"), **basic(username, "nope"), REMOTE_ADDR="10.0.0.9").status_code
                for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    refused = api.post(reverse("api-token"), **basic(username, PASSWORD), REMOTE_ADDR="10.0.0.9")
    assert refused.status_code == 429 and refused["Retry-After"] and refused.json()["detail"]


@pytest.mark.django_db
def test_every_address_has_its_own_budget(people, settings):
    settings.GEOTRACK = {**settings.GEOTRACK, "RATE_LIMITS": {**settings.GEOTRACK["RATE_LIMITS"],
                                                              "login-ip": (4, 86400)}}  # no window edge mid-test
    client = Client()
    statuses = [sign_in(client, f"user{n}", "x", address="10.9.9.9").status_code for n in range(6)]
    assert statuses == [200, 200, 200, 200, 429, 429]
    assert sign_in(client, "someone", "x", address="10.9.9.8").status_code == 200


@pytest.mark.django_db
def test_tokens_expire_are_limited_and_can_be_listed_and_revoked(people):
    user = people["analyst"].user
    api = APIClient()
    issued = api.post(reverse("api-token"), **basic(user.username, PASSWORD)).json()
    assert issued["expiry"] is not None
    token = AuthToken.objects.get(token_key=issued["token"][:15])
    assert dt.timedelta(days=29) < token.expiry - timezone.now() <= dt.timedelta(days=30)
    api.credentials(HTTP_AUTHORIZATION=f"Token {issued['token']}")
    listed = api.get(reverse("api-tokens")).json()["results"]
    assert len(listed) == 2 and [entry["current"] for entry in listed].count(True) == 1
    assert all("token" not in entry and len(entry["id"]) == 15 for entry in listed)
    other = next(entry["id"] for entry in listed if not entry["current"])
    assert api.delete(reverse("api-token-detail", args=[other])).status_code == 204
    someone_elses = AuthToken.objects.filter(user=people["admin"].user).first().token_key
    assert api.delete(reverse("api-token-detail", args=[someone_elses])).status_code == 404
    assert AuthToken.objects.filter(token_key=someone_elses).exists()
    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert api.get(reverse("api-tokens")).status_code == 401  # an expired token no longer works
    for _ in range(10):  # TOKEN_LIMIT_PER_USER live tokens
        AuthToken.objects.create(user=user)
    assert APIClient().post(reverse("api-token"), **basic(user.username, PASSWORD)).status_code == 403


@pytest.mark.django_db
def test_who_wrote_a_report_is_for_signed_in_callers_only(people, agency, regions):
    project = project_save(project=Project(title="School", sector="education", kind="infrastructure", agency=agency,
                                           geom=project_point(), is_public=True))
    progress_report_add(project=project, physical=10, financial=5, author=people["almaty_akimat"].user)
    url = reverse("project-progress", args=[project.pk])
    assert APIClient().get(url).json()["results"][0]["author"] is None
    assert APIClient().get(reverse("project-detail", args=[project.pk])).json()[
        "properties"]["latest_progress"]["author"] is None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['analyst'].token}")
    assert api.get(url).json()["results"][0]["author"] == people["almaty_akimat"].user.username
    assert api.get(url + "?scope=public").json()["results"][0]["author"] is None


def project_point():
    from django.contrib.gis.geos import Point

    return Point(76.92, 43.25, srid=4326)


def test_behind_a_tls_proxy_cookies_are_secure_and_hsts_is_sent():
    code = ("import django, os; django.setup(); from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, "
            "s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT)")
    env = {**os.environ, "SECURE_SSL": "1", "DJANGO_SETTINGS_MODULE": "geotrack.settings"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "True True True ('HTTP_X_FORWARDED_PROTO', 'https') True", result.stderr
