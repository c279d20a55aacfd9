"""A signed-in request reads its session, the user and the profile in one statement; signing in and out, the
session hash and inactive users work as before."""
from __future__ import annotations

import importlib
import types

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects.backends import ProfileModelBackend
from projects.models import UserSession
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
    assert '"projects_session"' in user_queries[0]  # and it is the session's own statement
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
    reads = [q["sql"] for q in captured.captured_queries if "projects_session" in q["sql"]]
    assert len(reads) == 1 and "$1" in reads[0]  # bound on the server: psycopg prepares it
    UserSession.objects.update(expire_date="2000-01-01T00:00:00Z")
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


def _session_row(client: Client) -> UserSession:
    return UserSession.objects.get(session_key=client.cookies["sessionid"].value)


@pytest.mark.django_db
def test_the_session_row_names_the_user_its_data_signs_in(people):
    client = Client()
    client.get("/")
    assert client.login(username="dana", password=PASSWORD)
    assert _session_row(client).user_id == people["analyst"].user.pk
    client.logout()
    assert not UserSession.objects.filter(user_id=people["analyst"].user.pk).exists()
    assert client.login(username="bolat", password=PASSWORD)  # another user on the same browser
    planner = people["astana_planner"].user
    assert _session_row(client).user_id == planner.pk
    planner_id = planner.pk
    planner.delete()  # a user deleted: their sessions end with them
    assert not UserSession.objects.filter(user_id=planner_id).exists()
    assert client.get("/api/auth/tokens/").status_code in {401, 403}


@pytest.mark.django_db
def test_the_user_is_the_one_the_session_data_names_not_the_column(people):
    """The column only joins a row in: a session whose column was made to name someone else (by a bug, or by
    anyone who can write that column) still signs in the user its signed data names, read by their own statement."""
    client = Client()
    assert client.login(username="dana", password=PASSWORD)
    UserSession.objects.filter(session_key=client.cookies["sessionid"].value).update(user=people["admin"].user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/auth/tokens/")
    assert response.status_code == 200
    user_reads = [q["sql"] for q in captured.captured_queries if '"auth_user"' in q["sql"]]
    assert len(user_reads) == 2  # the session's join (the admin, unused), then dana's own statement
    assert response.wsgi_request.user.pk == people["analyst"].user.pk


@pytest.mark.django_db
def test_a_password_change_still_signs_the_other_sessions_out(people):
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert client.login(username="dana", password=PASSWORD)
        assert client.get("/api/auth/tokens/").status_code == 200
    dana = get_user_model().objects.get(pk=people["analyst"].user.pk)
    dana.set_password("a-new-pass-phrase-42")
    dana.save()
    assert elsewhere.get("/api/auth/tokens/").status_code in {401, 403}
    assert here.login(username="dana", password="a-new-pass-phrase-42")
    assert here.get("/api/auth/tokens/").status_code == 200
    get_user_model().objects.filter(pk=dana.pk).update(is_active=False)  # read with the session, refused all the same
    assert here.get("/api/auth/tokens/").status_code in {401, 403}


@pytest.mark.django_db
def test_sessions_made_before_the_change_move_over_signed_in(people):
    """Migration 0017 moves django_session's rows, each with the user its data signs in: nobody is signed out."""
    user = people["analyst"].user
    old = DjangoSessionStore()
    old.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "projects.backends.ProfileModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash()})
    old.create()
    anonymous = DjangoSessionStore()
    anonymous["seen"] = True
    anonymous.create()
    migration = importlib.import_module("projects.migrations.0017_usersession")
    migration._move("django_session", "projects_session", with_user=True)(
        None, types.SimpleNamespace(connection=connection))
    assert UserSession.objects.get(session_key=old.session_key).user_id == user.pk
    assert UserSession.objects.get(session_key=anonymous.session_key).user_id is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_session")
        assert cursor.fetchone()[0] == 0
    client = Client()
    client.cookies["sessionid"] = old.session_key
    response = client.get("/api/auth/tokens/")
    assert response.status_code == 200 and response.wsgi_request.user.pk == user.pk


@pytest.mark.django_db
def test_clearsessions_removes_the_expired_sessions_only(people):
    """deploy/systemd/geotrack-clearsessions.timer runs it daily: Django's command, on this engine's table."""
    client = Client()
    assert client.login(username="dana", password=PASSWORD)
    UserSession.objects.create(session_key="e" * 32, session_data="", expire_date="2000-01-01T00:00:00Z",
                               user=people["analyst"].user)
    call_command("clearsessions")
    assert not UserSession.objects.filter(session_key="e" * 32).exists()
    assert _session_row(client).user_id == people["analyst"].user.pk
    assert client.get("/api/auth/tokens/").status_code == 200


@pytest.mark.django_db
def test_a_session_row_decodes_as_its_store_wrote_it(people):
    client = Client()
    assert client.login(username="dana", password=PASSWORD)
    assert _session_row(client).get_decoded()[SESSION_KEY] == str(people["analyst"].user.pk)
