"""The dashboard counters' private table (projects/counts/): the live projects that are not public, each with
its linked regions and roadmap items, so that akimats and ministries read their figures from the counters too.

The triggers are replaced to keep it, and the migration counts once (a few seconds at a million projects).
"""
from django.db import migrations

from projects import counts


class Migration(migrations.Migration):

    dependencies = [
        ("projects", "0011_dashboard_counters"),
    ]

    operations = [
        migrations.RunSQL(counts.CREATE_PRIVATE_SQL, counts.DROP_PRIVATE_SQL),
        counts.reinstall_triggers_operation(new_tables=True),
    ]
