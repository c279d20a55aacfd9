"""The application connects as its own role: no superuser, owns its database, cannot reach the server's files."""
from __future__ import annotations

import pytest
from django.db import connection
from django.db.utils import DatabaseError


@pytest.mark.django_db
def test_the_connected_role_is_no_superuser():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, rolcreaterole, rolreplication, rolbypassrls "
                       "FROM pg_roles WHERE rolname = current_user")
        user, superuser, createrole, replication, bypassrls = cursor.fetchone()
    assert user != "postgres"
    assert (superuser, createrole, replication, bypassrls) == (False, False, False, False)


@pytest.mark.django_db
def test_the_role_owns_its_database_and_tables():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_userbyid(datdba) = current_user FROM pg_database WHERE datname = current_database()")
        assert cursor.fetchone()[0] is True
        cursor.execute("SELECT tableowner = current_user FROM pg_tables WHERE tablename = 'projects_project'")
        assert cursor.fetchone()[0] is True
        cursor.execute("SELECT count(*) FROM pg_extension WHERE extname IN ('postgis', 'pg_trgm')")
        assert cursor.fetchone()[0] == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("statement", [
    "COPY (SELECT 1) TO PROGRAM 'true'",
    "CREATE TEMP TABLE leak(line text); COPY leak FROM PROGRAM 'cat /etc/passwd'",
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT pg_read_file('postgresql.conf')",
    "SELECT pg_ls_dir('.')",
    "COPY (SELECT 1) TO '/tmp/geotrack-role-test'",
    "SELECT lo_import('/etc/passwd')",
    "CREATE EXTENSION IF NOT EXISTS file_fdw",
    "ALTER SYSTEM SET work_mem = '1GB'",
    "CREATE ROLE intruder SUPERUSER",
])
def test_server_files_programs_and_roles_are_out_of_reach(statement):
    with pytest.raises(DatabaseError) as caught:
        with connection.cursor() as cursor:  # autocommit: ALTER SYSTEM refuses a transaction block
            cursor.execute(statement)
    message = str(caught.value).lower()
    assert "permission denied" in message or "must be superuser" in message or "privilege" in message, message
