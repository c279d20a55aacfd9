"""The session's user is loaded with its profile in one query; signing in and out works as before."""
from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects.backends import ProfileModelBackend
from tests.actors import PASSWORD


def _user_queries(client: Client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries if '"auth_user"' in query["sql"]]


@pytest.mark.django_db
def test_a_signed_in_request_reads_user_and_profile_in_one_query(people):
    client = Client()
    assert client.login(username="dana", password=PASSWORD)
    assert client.session[BACKEND_SESSION_KEY] == "projects.backends.ProfileModelBackend"
    user_queries = _user_queries(client, "/api/auth/tokens/")
    assert len(user_queries) == 1 and '"projects_profile"' in user_queries[0]
    with CaptureQueriesContext(connection) as captured:
        client.get("/api/auth/tokens/")
    assert not any('FROM "projects_profile"' in q["sql"] for q in captured.captured_queries)


@pytest.mark.django_db
def test_an_inactive_user_is_signed_out_and_an_older_session_still_works(people):
    client = Client()
    client.force_login(people["analyst"].user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/api/auth/tokens/").status_code == 200  # sessions made before the backend existed
    client.force_login(people["analyst"].user)
    people["analyst"].user.is_active = False
    people["analyst"].user.save()
    assert client.get("/api/auth/tokens/").status_code in {401, 403}


@pytest.mark.django_db
def test_the_session_is_read_by_one_prepared_statement_and_an_expired_one_is_anonymous(people):
    client = Client()
    assert client.login(username="dana", password=PASSWORD)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/auth/tokens/").status_code == 200
    reads = [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]
    assert len(reads) == 1 and "$1" in reads[0]  # bound on the server: psycopg prepares it
    Session.objects.update(expire_date="2000-01-01T00:00:00Z")
    assert client.get("/api/auth/tokens/").status_code in {401, 403}
    client.cookies["sessionid"] = "no-such-session"
    assert client.get("/api/auth/tokens/").status_code in {401, 403}


@pytest.mark.django_db
def test_the_loaded_user_equals_the_orm_user_with_or_without_a_profile(people):
    backend = ProfileModelBackend()
    akimat = backend.get_user(str(people["almaty_akimat"].user.pk))
    orm = get_user_model().objects.select_related("profile").get(pk=people["almaty_akimat"].user.pk)
    assert [getattr(akimat, f.attname) for f in orm._meta.concrete_fields] == \
        [getattr(orm, f.attname) for f in orm._meta.concrete_fields]
    with CaptureQueriesContext(connection) as captured:
        assert akimat.profile.role == "akimat" and akimat.profile.user is akimat
    assert len(captured) == 0
    bare = get_user_model().objects.create_user(username="no-profile", password=PASSWORD)
    loaded = backend.get_user(str(bare.pk))
    with CaptureQueriesContext(connection) as captured:
        assert getattr(loaded, "profile", None) is None
    assert len(captured) == 0
    assert backend.get_user("not-a-number") is None and backend.get_user("999999999") is None
