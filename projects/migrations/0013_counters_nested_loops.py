"""The counters' trigger functions again (projects/counts.py): they now join through the indexes only.

A bulk statement's rows (an import writes 20,000 a statement) met the link and project tables by hash
joins, which read those whole tables for every statement. CREATE OR REPLACE FUNCTION: no lock on the tables.
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
