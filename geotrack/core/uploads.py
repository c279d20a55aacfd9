"""Uploads that GDAL cannot turn against the server: signatures, zip checks, and GDAL's configuration.

GDAL picks a driver from a file's content, not its name, and several drivers follow what a file
names (an OGR or raster VRT names other files, `/vsicurl/` URLs, `PG:` connections; GDALG runs
pipelines). So every upload is (1) checked here against the one format it declares before any
GDAL sees it, (2) opened with that format's driver alone (pyogrio's GDAL keeps only the import drivers in
every process, `configure_vector_gdal`, and holds just the named one while an upload is opened by
`read_upload_info` or `open_upload_arrow`, which take the driver by name; rasterio passes an allowed-driver
list of one, `driver="GTiff"`, layers/rasters.py), and (3) under `NO_REFERENCES`, the configuration that keeps
GDAL off the network and away from sibling files.
SECURITY.md ("Uploads") lists every entry point and why each setting was chosen.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import json
import re
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pyogrio
from django.utils.translation import gettext as _
from pyogrio._ogr import _register_drivers

# GDAL configuration for every process that opens uploads (both GDALs: pyogrio's and rasterio's).
NO_REFERENCES = {
    # /vsicurl/ and friends open only names with this extension, which nothing has.
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".geotrack-no-network",
    # Any HTTP request GDAL would still make (a CRS given as a URL) goes to a closed loopback port, once.
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    # A raster VRT may not read raw bytes of arbitrary files (rasterio's GDAL also refuses VRT by driver list).
    "GDAL_VRT_ENABLE_RAWRASTERBAND": "NO",
    # Never list the upload's folder: no sidecar is discovered that we did not put there.
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    # No .aux.xml written beside an upload.
    "GDAL_PAM_ENABLED": "NO",
    # GeoPackage/SQLite: no SQLite extension loaded, no OGR virtual tables reaching other datasets.
    "OGR_SQLITE_LOAD_EXTENSIONS": "",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
}

# Declared import formats and the one GDAL driver each names.
IMPORT_DRIVERS = {
    "geojson": "GeoJSON",
    "gpkg": "GPKG",
    "shapefile": "ESRI Shapefile",
    "csv": "CSV",
    "flatgeobuf": "FlatGeobuf",
}
IMPORT_SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".zip": "shapefile",
                   ".csv": "csv", ".fgb": "flatgeobuf"}
ACCEPTED_IMPORTS = "GeoJSON (.geojson, .json), GeoPackage (.gpkg), zipped Shapefile (.zip), CSV (.csv), FlatGeobuf (.fgb)"

SQLITE_HEADER = b"SQLite format 3\x00"
GPKG_APPLICATION_IDS = (b"GPKG", b"GP10", b"GP11")  # at offset 68 of the SQLite header
FLATGEOBUF_MAGIC = b"fgb\x03"
ZIP_MAGIC = b"PK\x03\x04"
BOM = b"\xef\xbb\xbf"
SHAPEFILE_PARTS = frozenset({".shp", ".shx", ".dbf", ".prj", ".cpg"})  # sidecars GDAL reads
SHAPEFILE_INERT = frozenset({".sbn", ".sbx", ".qix", ".xml"})  # indexes and metadata GDAL ignores or reads as index
GEOJSON_FULL_PARSE_BYTES = 8 * 1024 * 1024  # below this the whole file is parsed; above, its head is checked


class UploadRefused(ValueError):
    """The upload is not what it declares, or exceeds a limit; the message names the format or limit."""

    def __init__(self, message: str, *, too_large: bool = False):
        super().__init__(message)
        self.too_large = too_large


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int
    max_uncompressed_bytes: int


def declared_import_format(name: str) -> str:
    """The import format a file name declares, or UploadRefused naming the accepted ones."""
    suffix = Path(name or "").suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise UploadRefused(_("Unsupported file type %(suffix)s; send %(accepted)s.") % {
            "suffix": suffix or "(none)", "accepted": ACCEPTED_IMPORTS})
    return IMPORT_SUFFIXES[suffix]


def _head(path: Path, size: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def _first_text_byte(head: bytes) -> bytes:
    return head.removeprefix(BOM).lstrip(b" \t\r\n")[:1]


def _refuse(kind: str) -> UploadRefused:
    return UploadRefused(_("The file is not a valid %(kind)s; send %(accepted)s.") % {"kind": kind, "accepted": ACCEPTED_IMPORTS})


def check_geojson(path: Path) -> None:
    """A GeoJSON FeatureCollection: `{` after whitespace/BOM; parsed whole when small, its head checked when large."""
    head = _head(path, 1 << 20)
    if _first_text_byte(head) != b"{":
        raise _refuse("GeoJSON FeatureCollection")
    if path.stat().st_size <= GEOJSON_FULL_PARSE_BYTES:
        try:
            document = json.loads(path.read_bytes().removeprefix(BOM))
        except (ValueError, UnicodeDecodeError) as exc:
            raise _refuse("GeoJSON FeatureCollection") from exc
        if not isinstance(document, dict) or document.get("type") != "FeatureCollection" or not isinstance(
                document.get("features"), list):
            raise _refuse("GeoJSON FeatureCollection")
    elif not re.search(rb'"type"\s*:\s*"FeatureCollection"', head) or b"\x00" in head:
        raise _refuse("GeoJSON FeatureCollection")


def check_gpkg(path: Path) -> None:
    head = _head(path, 100)
    if len(head) < 72 or not head.startswith(SQLITE_HEADER) or head[68:72] not in GPKG_APPLICATION_IDS:
        raise _refuse("GeoPackage")


def check_flatgeobuf(path: Path) -> None:
    if _head(path, 4) != FLATGEOBUF_MAGIC:
        raise _refuse("FlatGeobuf file")


def check_csv(path: Path) -> None:
    """Text: no NUL byte anywhere (read in chunks), not XML, not JSON, not another signature."""
    head = _head(path, 16)
    if head.startswith((SQLITE_HEADER[:6], FLATGEOBUF_MAGIC, ZIP_MAGIC)) or _first_text_byte(head) in (b"<", b"{"):
        raise _refuse("CSV file")
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            if b"\x00" in chunk:
                raise _refuse("CSV file")


def check_shapefile_zip(path: Path, limits: ZipLimits) -> str:
    """Check a zipped Shapefile before GDAL reads it; return the name of the one .shp inside.

    Entries are plain relative names (no absolute paths, no `..`, no backslashes, no links), at most
    `max_entries`, with at most `max_uncompressed_bytes` in all, and only a Shapefile's parts: exactly
    one .shp with its .shx and .dbf (and optionally .prj, .cpg, spatial indexes) of the same name.
    """
    if _head(path, 4) != ZIP_MAGIC:
        raise _refuse("zipped Shapefile")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise _refuse("zipped Shapefile") from exc
    files = [entry for entry in entries if not entry.is_dir()]
    if len(entries) > limits.max_entries:
        raise UploadRefused(_("The zip holds %(count)d entries; the limit is %(limit)d (IMPORT_MAX_ZIP_ENTRIES).") % {
            "count": len(entries), "limit": limits.max_entries})
    total = sum(entry.file_size for entry in files)
    if total > limits.max_uncompressed_bytes:
        raise UploadRefused(_("The zip unpacks to %(size)d bytes; the limit is %(limit)d bytes (IMPORT_MAX_UNZIPPED_BYTES).")
                            % {"size": total, "limit": limits.max_uncompressed_bytes}, too_large=True)
    for entry in entries:
        name = entry.filename
        parts = PurePosixPath(name).parts
        unix_mode = entry.external_attr >> 16
        if (name.startswith("/") or "\\" in name or ".." in parts or ":" in name or not parts
                or (unix_mode & 0o170000) == 0o120000):  # a symbolic link
            raise UploadRefused(_("The zip holds an entry outside its folder; send a plain zipped Shapefile."))
    suffixes = [PurePosixPath(entry.filename).suffix.lower() for entry in files]
    odd = sorted({entry.filename for entry, suffix in zip(files, suffixes)
                  if suffix not in SHAPEFILE_PARTS | SHAPEFILE_INERT})
    if odd:
        raise UploadRefused(_("The zip holds files that are not part of a Shapefile: %(names)s; send .shp, .shx, .dbf "
                              "and .prj only.") % {"names": ", ".join(odd[:5])})
    shps = [entry.filename for entry, suffix in zip(files, suffixes) if suffix == ".shp"]
    if len(shps) != 1:
        raise UploadRefused(_("The zip must hold exactly one .shp (it holds %(count)d).") % {"count": len(shps)})
    stem = str(PurePosixPath(shps[0]).with_suffix(""))
    present = {entry.filename.lower() for entry in files}
    for required in (".shx", ".dbf"):
        if f"{stem}{required}".lower() not in present:
            raise UploadRefused(_("The zip lacks %(name)s beside the .shp.") % {"name": PurePosixPath(stem).name + required})
    strangers = [entry.filename for entry in files if str(PurePosixPath(entry.filename).with_suffix("")).lower()
                 .removesuffix(".shp") != stem.lower()]
    if strangers:
        raise UploadRefused(_("The zip holds files of another name than the .shp: %(names)s.") % {
            "names": ", ".join(strangers[:5])})
    return shps[0]


def check_import(path: Path, declared: str, limits: ZipLimits) -> str:
    """Check the content against its declared format; return the GDAL path to open (`/vsizip/...` for a zip)."""
    if declared == "geojson":
        check_geojson(path)
    elif declared == "gpkg":
        check_gpkg(path)
    elif declared == "flatgeobuf":
        check_flatgeobuf(path)
    elif declared == "csv":
        check_csv(path)
    elif declared == "shapefile":
        return f"/vsizip/{path}/{check_shapefile_zip(path, limits)}"
    else:
        raise UploadRefused(_("Unsupported format %(format)s; send %(accepted)s.") % {"format": declared,
                                                                               "accepted": ACCEPTED_IMPORTS})
    return str(path)


_configured = threading.Lock()
_done = False
_drivers: dict[str, int] = {}  # the import drivers' handles in pyogrio's GDAL, by name (configure_vector_gdal)
_opening = threading.Lock()  # one upload opened at a time per process (driver_alone)


@functools.cache
def _pyogrio_gdal() -> ctypes.CDLL:
    """The GDAL library pyogrio uses (its wheel's own; Debian's, which GeoDjango loads, is another one)."""
    bundled = sorted((Path(pyogrio.__file__).resolve().parent.parent / "pyogrio.libs").glob("libgdal*.so*"))
    lib = ctypes.CDLL(str(bundled[0]) if bundled else ctypes.util.find_library("gdal"))
    lib.GDALVersionInfo.argtypes, lib.GDALVersionInfo.restype = [ctypes.c_char_p], ctypes.c_char_p
    lib.GDALGetDriverByName.argtypes, lib.GDALGetDriverByName.restype = [ctypes.c_char_p], ctypes.c_void_p
    lib.GDALDeregisterDriver.argtypes, lib.GDALDeregisterDriver.restype = [ctypes.c_void_p], None
    lib.GDALRegisterDriver.argtypes, lib.GDALRegisterDriver.restype = [ctypes.c_void_p], ctypes.c_int
    if lib.GDALVersionInfo(b"RELEASE_NAME").decode() != pyogrio.__gdal_version_string__:
        raise RuntimeError("the GDAL library found is not the one pyogrio uses")
    return lib


@contextlib.contextmanager
def driver_alone(driver: str):
    """While open, pyogrio's GDAL holds one driver, `driver`, one of the import drivers.

    pyogrio (0.13) hands GDALOpenEx no allowed-driver list, so the other import drivers are deregistered for the
    open and registered again after: an open in this block can pick no other driver, whatever the content says.
    GDAL keeps a deregistered driver alive, so a dataset opened before (a stream being read) stays usable. The
    lock makes the opens of a process take turns (a thread opening another format waits, never fails); streaming
    the rows happens outside it.
    """
    configure_vector_gdal()
    if driver not in _drivers:
        raise ValueError(f"{driver!r} is not an import driver")
    lib = _pyogrio_gdal()
    with _opening:
        others = [handle for name, handle in _drivers.items() if name != driver]
        for handle in others:
            lib.GDALDeregisterDriver(handle)
        try:
            yield
        finally:
            for handle in others:
                lib.GDALRegisterDriver(handle)


def read_upload_info(gdal_path: str, *, driver: str, **options) -> dict:
    """pyogrio's read_info of an upload, which GDAL opens with `driver` alone; options as pyogrio takes them."""
    with driver_alone(driver):
        return pyogrio.read_info(gdal_path, **options)


@contextlib.contextmanager
def open_upload_arrow(gdal_path: str, *, driver: str, **options):
    """pyogrio's Arrow stream of an upload, (meta, reader), which GDAL opens with `driver` alone.

    Only the open holds the driver lock: the rows are read outside it, and the dataset is closed on leaving.
    """
    with contextlib.ExitStack() as stack:
        with driver_alone(driver):
            opened = stack.enter_context(pyogrio.raw.open_arrow(gdal_path, **options))
        yield opened


def configure_vector_gdal() -> None:
    """Once per process: pyogrio's GDAL keeps only the import drivers and follows no reference.

    GDAL_SKIP is honoured when drivers are registered, so the drivers are registered again after it
    is set: every other vector driver (OGR_VRT, GDALG, PostgreSQL-like, WFS/OAPIF/HTTP, SQLite,
    ...) is unloaded for the whole process. Each upload is then opened with its one driver (driver_alone).
    """
    global _done
    with _configured:
        if _done:
            return
        keep = set(IMPORT_DRIVERS.values())
        skip = [name for name in pyogrio.list_drivers() if name not in keep]
        # GDAL_SKIP splits on spaces and commas; OGR_SKIP on commas only, for names such as "MapInfo File".
        pyogrio.set_gdal_config_options({**NO_REFERENCES, "GDAL_SKIP": ",".join(n for n in skip if " " not in n),
                                         "OGR_SKIP": ",".join(n for n in skip if " " in n)})
        _register_drivers()
        left = set(pyogrio.list_drivers()) - keep
        if left:
            raise RuntimeError(f"GDAL kept drivers uploads must not reach: {sorted(left)}")
        lib = _pyogrio_gdal()
        _drivers.update({name: lib.GDALGetDriverByName(name.encode()) for name in keep})
        if not all(_drivers.values()):
            raise RuntimeError(f"GDAL lacks import drivers: {sorted(n for n, h in _drivers.items() if not h)}")
        _done = True
