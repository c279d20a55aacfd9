"""Run exports: small ones while the request waits, large ones in the background worker."""
from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django_tasks import task

from layers.exports.gdal import FORMATS, write_file
from layers.exports.layers import layer_query
from projects.access import Audience, audience_from


def export_filename(layer: str, export_format: str) -> str:
    return f"geotrack-{layer}.{FORMATS[export_format].extension}"


def export_to_temp(*, audience: Audience, layer: str, export_format: str, query: QueryDict) -> tuple[Path, Path]:
    """Write the export into a new temporary folder; return (file, folder). The caller removes the folder."""
    layer_sql = layer_query(layer=layer, audience=audience, query=query)
    folder = Path(tempfile.mkdtemp(prefix="geotrack-export-"))
    try:
        path = write_file(layer_sql, export_format, folder, timeout=settings.GEOTRACK["EXPORT_TIMEOUT_SECONDS"])
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path, folder


def exports_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports"


@task()
def export_in_background(layer: str, export_format: str, query: str, *, owner_id: int) -> str:
    """Write an export under MEDIA_ROOT/exports/<uuid>/ and return its path relative to that folder.

    The owner's visibility is applied when the worker runs the export, as of then.
    """
    user = get_user_model().objects.filter(pk=owner_id).first() or AnonymousUser()
    query = QueryDict(query)
    path, folder = export_to_temp(audience=audience_from(user, query), layer=layer, export_format=export_format,
                                  query=query)
    try:
        relative = Path(uuid.uuid4().hex) / export_filename(layer, export_format)
        (exports_root() / relative.parent).mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), exports_root() / relative)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return str(relative)
