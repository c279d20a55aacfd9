"""The counters' trigger functions again (projects/counts/): a statement's rows look their links and projects
up by index, whatever the statistics say (a bulk import met tables recorded as empty and went quadratic), and
each statement is planned at each call (EXECUTE), not once per session on tables still empty. The private rows'
refresh (0012) is driven the same way by the statement's project ids.
CREATE OR REPLACE FUNCTION only: no lock on the tables.
"""
from django.db import migrations

from projects import counts


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0013_import_indexes"),
    ]

    operations = [
        counts.reinstall_triggers_operation(new_tables=False),
    ]
