"""The counters' trigger functions again (projects/counts.py): each statement is planned at each call.

PL/pgSQL kept one plan per session; a bulk import kept the plan of its first batch (tables nearly empty)
while its rows grew the tables, and its later batches went quadratic. CREATE OR REPLACE FUNCTION only:
no lock on the tables.
"""
from django.db import migrations

from projects import counts


def install(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        counts.install_triggers(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0012_import_indexes"),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
