"""The counters' trigger functions again (projects/counts.py): the private rows' refresh is driven by the
statement's project ids, each project looked up by its key and planned at each call, as the buckets' statements
are since 0014 (a bulk import into tables recorded as empty ran one batch for minutes).
CREATE OR REPLACE FUNCTION only: no lock on the tables.
"""
from django.db import migrations

from projects import counts


def install(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        counts.install_triggers(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0014_counters_per_row_lookups"),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
