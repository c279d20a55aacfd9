"""The session's user comes with its profile: one prepared statement where Django's ModelBackend and
the role make two ORM queries.

Every signed-in request reads the user (Django's AuthenticationMiddleware) and then its role
(`projects.access.user_role` reads `user.profile`). Both come from one join, sent through a
server-binding cursor that psycopg prepares (geotrack.core.sql.statement_cursor): neither compiled
by the ORM nor planned by PostgreSQL again. The instances are built with `Model.from_db`, as the ORM
builds them, and the profile is cached on the user as `select_related` would cache it. Everything
else is ModelBackend's: sign-in, inactive users refused, permissions.
"""
from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS

from geotrack.core.sql import Sql, identifier
from projects.models import Profile


@cache
def _user_with_profile() -> tuple[str, list[str], list[str]]:
    """The statement and the attribute names of its user columns and profile columns, in order."""
    user_fields, profile_fields = get_user_model()._meta.concrete_fields, Profile._meta.concrete_fields
    columns = [f"u.{identifier(field.column)}" for field in user_fields]
    columns += [f"p.{identifier(field.column)}" for field in profile_fields]
    text = (f"SELECT {', '.join(columns)} FROM {identifier(get_user_model()._meta.db_table)} u "
            f"LEFT JOIN {identifier(Profile._meta.db_table)} p ON p.user_id = u.id WHERE u.id = %(id)s")
    return text, [field.attname for field in user_fields], [field.attname for field in profile_fields]


def user_with_profile(user_id):
    """The user with its profile (or its known absence) cached on it; None if there is no such user."""
    text, user_names, profile_names = _user_with_profile()
    row = Sql(text, {"id": user_id}).fetchone(prepare=True)
    if row is None:
        return None
    user = get_user_model().from_db(DEFAULT_DB_ALIAS, user_names, row[:len(user_names)])
    profile_row = row[len(user_names):]
    profile = Profile.from_db(DEFAULT_DB_ALIAS, profile_names, profile_row) if profile_row[0] is not None else None
    get_user_model().profile.related.set_cached_value(user, profile)  # as select_related("profile") caches it
    if profile is not None:
        Profile.user.field.set_cached_value(profile, user)
    return user


class ProfileModelBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user_id = get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:  # a session holding no valid id is nobody's
            return None
        user = user_with_profile(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
