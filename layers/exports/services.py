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
from layers.exports.oc4ids import oc4ids_chunks
from projects.access import Audience, audience_from


OC4IDS = "oc4ids"  # the layer and format names a background OC4IDS package goes by


def export_filename(layer: str, export_format: str) -> str:
    if layer == OC4IDS:
        return "geotrack-projects.oc4ids.json"
    return f"geotrack-{layer}.{FORMATS[export_format].extension}"


def export_content_type(export_format: str) -> str:
    return "application/json" if export_format == OC4IDS else FORMATS[export_format].content_type


def oc4ids_to_temp(*, audience: Audience, base_url: str) -> tuple[Path, Path]:
    """Write the OC4IDS package, streamed from PostgreSQL, into a new temporary folder; return (file, folder)."""
    folder = Path(tempfile.mkdtemp(prefix="geotrack-export-"))
    path = folder / export_filename(OC4IDS, OC4IDS)
    try:
        with open(path, "wb") as handle:
            for chunk in oc4ids_chunks(audience=audience, base_url=base_url):
                handle.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path, folder


def export_to_temp(*, audience: Audience, layer: str, export_format: str, query: QueryDict,
                   counts: dict[str, int] | None = None) -> tuple[Path, Path]:
    """Write the export into a new temporary folder; return (file, folder). The caller removes the folder.

    counts: what feature_counts returned for the same layer and format, when the caller has it.
    """
    layer_sql = layer_query(layer=layer, audience=audience, query=query)
    folder = Path(tempfile.mkdtemp(prefix="geotrack-export-"))
    try:
        path = write_file(layer_sql, export_format, folder, timeout=settings.GEOTRACK["EXPORT_TIMEOUT_SECONDS"],
                          counts=counts)
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
    if layer == OC4IDS:  # the package over OC4IDS_SYNC_MAX projects; its base URL travels in the query
        path, folder = oc4ids_to_temp(audience=audience_from(user, query), base_url=query.get("base_url", ""))
    else:
        path, folder = export_to_temp(audience=audience_from(user, query), layer=layer, export_format=export_format,
                                      query=query)
    try:
        relative = Path(uuid.uuid4().hex) / export_filename(layer, export_format)
        (exports_root() / relative.parent).mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), exports_root() / relative)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return str(relative)
