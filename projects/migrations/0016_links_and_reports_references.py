"""Links' and reports' projects checked per statement; a bulk writer's inserts counted once at its end.

- The foreign keys of projects_projectregion.project_id and projects_progressreport.project_id, deferred to
  COMMIT, made PostgreSQL run one query per written row there (about 0.8 s at the COMMIT of an import of 100k
  projects). The statement-level triggers of projects/references.py keep the same guarantee: they are
  installed before the foreign keys are dropped, so no moment goes unchecked.
- The counters' trigger functions are replaced by today's (projects/counts/triggers.py): their insert branch
  adds nothing while a bulk writer counts its projects in the statements inserting them (defer_insert_counts,
  counted_insert).
"""
import django.db.models.deletion
from django.db import migrations, models

from projects import references
from projects.counts import reinstall_triggers_operation

ADDED = references.REFERENCES[5:7]


def install(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(references.install_sql(ADDED))


def uninstall(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(references.drop_sql(ADDED))


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0015_references_per_statement'),
    ]

    operations = [
        reinstall_triggers_operation(new_tables=False),
        migrations.RunPython(install, uninstall),
        migrations.AlterField(
            model_name='progressreport',
            name='project',
            field=models.ForeignKey(
                db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE,
                related_name='progress_reports', to='projects.project', verbose_name='project'),
        ),
        migrations.AlterField(
            model_name='projectregion',
            name='project',
            field=models.ForeignKey(
                db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE,
                related_name='region_links', to='projects.project'),
        ),
    ]
