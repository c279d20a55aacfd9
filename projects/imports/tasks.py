"""Large imports run in the background worker."""
from __future__ import annotations

import shutil
from pathlib import Path

from django.contrib.auth import get_user_model
from django_tasks import task

from projects.imports.reader import ImportFileError
from projects.imports.services import projects_import


@task()
def import_in_background(path: str, mapping: dict, crs: str | None, dry_run: bool, *, owner_id: int) -> dict:
    """Import a saved upload and return the report; the upload is removed afterwards."""
    user = get_user_model().objects.get(pk=owner_id)
    try:
        report = projects_import(path=Path(path), user=user, mapping=mapping, crs=crs, dry_run=dry_run)
        return report.as_dict()
    except ImportFileError as exc:
        return {"detail": str(exc), "errors": {exc.field: [str(exc)]}}
    finally:
        shutil.rmtree(Path(path).parent, ignore_errors=True)
