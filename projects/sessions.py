"""Sessions read with their user: one prepared statement gives a signed-in request its session, its user and the
user's profile.

With Django's database sessions a signed-in request makes two round trips to PostgreSQL before its view runs: the
session row, then the user the session names (with its profile, projects/backends.py). Here each session row
names its user in a column of its own (UserSession.user, written from the session's data every time the session
is saved), so the statement that reads the session joins the user and the profile too. The user so read reaches
Django's authentication only through the backend (ProfileModelBackend.get_user), only for the id the session's
own data names, and only while auth.get_user runs for that request (AuthenticationMiddleware below). Everything
Django checks is checked as before: the session hash (a password change signs the other sessions out), an
inactive user refused, expiry; saving, rotating and clearing sessions are Django's `db` backend's.

A page's signed-in request: two statements before its own (session with user and profile; the change token)
instead of three.

SESSION_ENGINE = "projects.sessions".
"""
from __future__ import annotations

from functools import cache

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth import middleware as auth_middleware
from django.contrib.sessions.backends import db
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from geotrack.core.sql import Sql, identifier
from projects.backends import user_columns, user_from_row, users_read_with
from projects.models import UserSession


@cache
def _load() -> str:
    columns, profile_join = user_columns()
    return (f"SELECT s.session_data, s.expire_date, s.user_id, {columns} "
            f"FROM {identifier(UserSession._meta.db_table)} s "
            f"LEFT JOIN {identifier(get_user_model()._meta.db_table)} u ON u.id = s.user_id {profile_join} "
            f"WHERE s.session_key = %(key)s AND s.expire_date > %(now)s")


def session_user_id(data: dict):
    """The id of the user a session's data signs in, or None (nobody, or not a valid id)."""
    try:
        return get_user_model()._meta.pk.to_python(data.get(SESSION_KEY))
    except ValidationError:
        return None


class SessionStore(db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self.read_user = None  # (user id, the user or None) as read with the session, if it names one

    @classmethod
    def get_model_class(cls):
        return UserSession

    def _get_session_from_db(self):
        row = Sql(_load(), {"key": self.session_key, "now": timezone.now()}).fetchone(prepare=True)
        if row is None:
            self._session_key = None  # unknown or expired: as Django's backend, a new session starts
            return None
        session_data, expire_date, user_id = row[:3]
        if user_id is not None:
            self.read_user = (user_id, user_from_row(row[3:]))
        return self.model(session_key=self.session_key, session_data=session_data, expire_date=expire_date,
                          user_id=user_id)

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.user_id = session_user_id(data)
        return instance


def _get_user(request):
    if not hasattr(request, "_cached_user"):
        with users_read_with(request.session):
            request._cached_user = auth_middleware.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with the user that the request's session was read with offered to the backend while Django's
    auth.get_user looks for the session's user."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _get_user(request))
