"""The migrations' step that (re)installs the counters' trigger functions from today's code."""
from __future__ import annotations

from django.db import migrations

from projects.counts.recount import dashboard_recount
from projects.counts.triggers import drop_triggers, install_triggers


def _install(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        install_triggers(cursor)


def _install_and_recount(apps, schema_editor) -> None:
    _install(apps, schema_editor)
    dashboard_recount()


def _uninstall(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        drop_triggers(cursor)


def reinstall_triggers_operation(*, new_tables: bool) -> migrations.RunPython:
    """Return the RunPython that creates or replaces the trigger functions (and adds missing triggers).

    new_tables: the migration also creates tables the triggers fill (0011, 0012): count once, so the counters
    are on from the start, and on the way back drop the triggers, which would write to tables that are gone.
    Without (0014: new function bodies only), nothing is counted and nothing undone.
    Migrations 0011, 0012 and 0014 run this: what it does is what they do on every database still to migrate,
    so a migration that needs another step writes its own rather than changing this one.
    """
    if new_tables:
        return migrations.RunPython(_install_and_recount, _uninstall)
    return migrations.RunPython(_install, migrations.RunPython.noop)
