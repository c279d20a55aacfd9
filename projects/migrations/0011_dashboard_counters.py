"""The dashboard's counters (projects/counts/): two tables and statement-level triggers that keep them;
and the index the stale-project alerts read the oldest active projects from.

The migration counts once (a few seconds at a million projects), so the counters are on from the start.
"""
from django.db import migrations, models
from django.db.models.functions import Coalesce

from projects import counts


class Migration(migrations.Migration):

    dependencies = [
        ("projects", "0010_merge_execution_photocheck"),
    ]

    operations = [
        migrations.RunSQL(counts.CREATE_TABLES_SQL, counts.DROP_TABLES_SQL),
        counts.reinstall_triggers_operation(new_tables=True),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(Coalesce("last_report_at", "created_at"), name="project_stale_idx",
                               condition=models.Q(("archived_at__isnull", True), ("status", "implementation"))),
        ),
    ]
