"""The session's user comes with its profile: one prepared statement where Django's ModelBackend and
the role make two ORM queries, and none of its own when the session was read with its user
(projects/sessions.py).

Every signed-in request reads the user (Django's AuthenticationMiddleware) and then its role
(`projects.access.user_role` reads `user.profile`). Both come from one join, sent through a
server-binding cursor that psycopg prepares (geotrack.core.sql.statement_cursor): neither compiled
by the ORM nor planned by PostgreSQL again. The instances are built with `Model.from_db`, as the ORM
builds them, and the profile is cached on the user as `select_related` would cache it. Everything
else is ModelBackend's: sign-in, inactive users refused, permissions.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS

from geotrack.core.sql import Sql, identifier
from projects.models import Profile


@cache
def user_columns() -> tuple[str, str]:
    """The select list of a user row with its profile (user_from_row reads it), and the join that gives it from a
    row `u` of the user table."""
    user_fields, profile_fields = get_user_model()._meta.concrete_fields, Profile._meta.concrete_fields
    columns = [f"u.{identifier(field.column)}" for field in user_fields]
    columns += [f"p.{identifier(field.column)}" for field in profile_fields]
    return ", ".join(columns), f"LEFT JOIN {identifier(Profile._meta.db_table)} p ON p.user_id = u.id"


@cache
def _names() -> tuple[list[str], list[str]]:
    return ([field.attname for field in get_user_model()._meta.concrete_fields],
            [field.attname for field in Profile._meta.concrete_fields])


def user_from_row(row):
    """The user of a row of user_columns(), with its profile (or its known absence) cached on it; None if the row's
    user columns are empty (a LEFT JOIN that found no user)."""
    user_names, profile_names = _names()
    if row[user_names.index(get_user_model()._meta.pk.attname)] is None:
        return None
    user = get_user_model().from_db(DEFAULT_DB_ALIAS, user_names, row[:len(user_names)])
    profile_row = row[len(user_names):]
    profile = Profile.from_db(DEFAULT_DB_ALIAS, profile_names, profile_row) if profile_row[0] is not None else None
    get_user_model().profile.related.set_cached_value(user, profile)  # as select_related("profile") caches it
    if profile is not None:
        Profile.user.field.set_cached_value(profile, user)
    return user


@cache
def _user_with_profile() -> str:
    columns, profile_join = user_columns()
    return f"SELECT {columns} FROM {identifier(get_user_model()._meta.db_table)} u {profile_join} WHERE u.id = %(id)s"


def user_with_profile(user_id):
    """The user with its profile (or its known absence) cached on it; None if there is no such user."""
    row = Sql(_user_with_profile(), {"id": user_id}).fetchone(prepare=True)
    return None if row is None else user_from_row(row)


# The session store of the request whose user Django's auth.get_user is looking for, while it looks
# (projects.sessions.AuthenticationMiddleware): the store may have read that user with the session.
_asking: ContextVar = ContextVar("geotrack_session_asking", default=None)


@contextmanager
def users_read_with(session):
    token = _asking.set(session)
    try:
        yield
    finally:
        _asking.reset(token)


class ProfileModelBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user_id = get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:  # a session holding no valid id is nobody's
            return None
        # The user the request's session was read with, when the session names this one (the session's own data
        # is what Django asks about; its user column only joined the row in); else one statement of its own.
        read = getattr(_asking.get(), "read_user", None)
        user = read[1] if read is not None and read[0] == user_id else user_with_profile(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
