"""Sessions that name their user, so that a signed-in request reads both in one statement (projects/sessions.py)."""
from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSession(AbstractBaseSession):
    """Django's database session with a column for the user it signs in (written from the session's own data
    each time it is saved; empty for a session nobody signed in to). Deleting a user ends their sessions."""

    # No database constraint: a session saved while its user is being deleted must not fail (Django's create()
    # retries a failed insert forever, taking it for a clash of keys); a session pointing at nobody loads nobody.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+", db_constraint=False)

    class Meta(AbstractBaseSession.Meta):
        db_table = "projects_session"

    @classmethod
    def get_session_store_class(cls):
        # For get_decoded() and the manager's save(): Django's store signs and reads session data as
        # projects.sessions.SessionStore does (the same serializer, a salt named after the same class name).
        return db.SessionStore
