"""Threat: learning that a private object exists (SECURITY.md, "Existence").

A private object answers exactly as an object that does not exist: the same status and the same
body, by id and through every filter that names it; lists never carry the ids of objects the caller
may not read (cameras' project lists, an image's project).
"""
from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.access.conftest import build_world

MISSING = 10 ** 9


@pytest.mark.django_db
def test_a_private_object_answers_like_a_missing_one(regions, agency):
    world = build_world(regions, agency)
    secret = {"project": world.projects["SECRET-PROJECT-ALMATY"].pk,
              "camera": world.cameras["SECRET-CAMERA-ALMATY"].pk, "imagery": world.imagery["SECRET-IMAGE-ALMATY"].pk}
    astana = Client()
    astana.force_login(world.people["astana_akimat"].user)
    for client in (Client(), astana):
        for name, kind in (("project-detail", "project"), ("project-progress", "project"), ("project-page", "project"),
                           ("camera-detail", "camera"), ("camera-page", "camera"), ("camera-snapshots", "camera"),
                           ("imagery-detail", "imagery"), ("imagery-compare", "project"),
                           ("project-embed", "project")):
            hidden = client.get(reverse(name, args=[secret[kind]]))
            missing = client.get(reverse(name, args=[MISSING]))
            assert hidden.status_code == missing.status_code == 404, name
            # Each answer carries its own request id (X-Request-ID); everything else must be the same.
            assert hidden.content.replace(hidden["X-Request-ID"].encode(), b"").replace(str(secret[kind]).encode(), b"") \
                == missing.content.replace(missing["X-Request-ID"].encode(), b"").replace(str(MISSING).encode(), b""), name
        for name in ("camera-list", "imagery-list", "imagery-evidence", "project-list"):
            parameter = "project" if name != "project-list" else "roadmap_item"
            hidden = client.get(f"{reverse(name)}?{parameter}={secret['project'] if parameter == 'project' else 999}")
            missing = client.get(f"{reverse(name)}?{parameter}={MISSING}")
            assert hidden.status_code == missing.status_code, name
            if hidden.status_code == 200:
                assert json.loads(hidden.content) == json.loads(missing.content), name
            else:
                assert {**json.loads(hidden.content), "request_id": None} == \
                    {**json.loads(missing.content), "request_id": None}, name
