"""Indexes that only cost every insert (an import writes 100k-1M rows in one go), each with one that serves its queries.

- projects_project: the Meta index on region_id was a second copy of the foreign key's own btree on region_id.
- projects_projectregion, projects_progressreport: the btree on project_id alone; the unique (project_id,
  region_id) and (project_id, reported_at DESC) lead with project_id and serve the same lookups and cascades.
  Only the index is dropped (the foreign keys stay as they are: no drop and re-check of the constraint).
- projects_historicalproject: the GiST index on geom and the btrees on agency_id and region_id; no query
  searches the history by place, agency or region (projects/asof.py reads it by id and date; maps and tiles
  read projects_project). Those columns have no foreign key (django-simple-history's db_constraint=False).
"""
import django.contrib.gis.db.models.fields
import django.db.models.deletion
from django.db import migrations, models


def _drop_fk_index(model_name: str, index: str, table: str, field: models.Field) -> migrations.SeparateDatabaseAndState:
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name="project", field=field)],
        database_operations=[migrations.RunSQL(f'DROP INDEX IF EXISTS "{index}"',
                                               reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("project_id")')],
    )


class Migration(migrations.Migration):

    dependencies = [
        ("projects", "0012_dashboard_private"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="project",
            name="projects_pr_region__544c8e_idx",
        ),
        migrations.AlterField(
            model_name="historicalproject",
            name="geom",
            field=django.contrib.gis.db.models.fields.GeometryField(spatial_index=False, srid=4326,
                                                                    verbose_name="geometry"),
        ),
        migrations.AlterField(
            model_name="historicalproject",
            name="agency",
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                    to="projects.agency", verbose_name="responsible agency"),
        ),
        migrations.AlterField(
            model_name="historicalproject",
            name="region",
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False,
                                    help_text="Derived from the geometry when left empty.", null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                    to="projects.region", verbose_name="primary region"),
        ),
        _drop_fk_index("progressreport", "projects_progressreport_project_id_f30dd4fc", "projects_progressreport",
                       models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                         related_name="progress_reports", to="projects.project",
                                         verbose_name="project")),
        _drop_fk_index("projectregion", "projects_projectregion_project_id_c1856c71", "projects_projectregion",
                       models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                         related_name="region_links", to="projects.project")),
    ]
