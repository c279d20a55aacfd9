"""Django's database sessions, loaded by a prepared statement.

Every signed-in request reads its session row before anything else. Through the ORM that is a query
compiled in Python and planned by PostgreSQL each time; here it is one constant statement that
psycopg prepares (geotrack.core.sql.statement_cursor), so only its values travel. Everything else
(saving, rotating, expiry, clearing) is Django's `db` backend unchanged.

SESSION_ENGINE = "geotrack.core.sessions".
"""
from __future__ import annotations

from django.contrib.sessions.backends import db
from django.utils import timezone

from geotrack.core.sql import Sql

_LOAD = "SELECT session_data, expire_date FROM django_session WHERE session_key = %(key)s AND expire_date > %(now)s"


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        row = Sql(_LOAD, {"key": self.session_key, "now": timezone.now()}).fetchone(prepare=True)
        if row is None:
            self._session_key = None  # unknown or expired: as Django's backend, a new session starts
            return None
        return self.model(session_key=self.session_key, session_data=row[0], expire_date=row[1])
