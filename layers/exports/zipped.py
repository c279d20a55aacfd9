"""Zip finished files with ISA-L's deflate, the archive written by us (zipfile cannot use another deflate).

The Shapefile export zips ogr2ogr's output: four large members (two .dbf, two .shp) that zipfile
deflated with zlib at level 1 in 0.3-0.6 s at 100k features (bench/exports), a fifth of the export's
time on top of ogr2ogr. ISA-L (the `isal` package) writes the same deflate format about five times
faster at its level 1, with a smaller .dbf than zlib's level 1 (bench/exports/README.md). Each member
is read and deflated in 1 MB chunks (constant memory), after a local header whose CRC and sizes are
filled in once the member is written (the archive is a file, so the header is rewritten in place, as
zipfile does); the central directory ends the archive. ZIP64 records are written when a size, an
offset or the member count passes what the classic records hold, as zipfile does. Members are never
stored; names are the files' own (the UTF-8 flag is set for a name that is not ASCII).
"""
from __future__ import annotations

import os
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from isal import isal_zlib as deflate

CHUNK = 1 << 20
FULL32, FULL16 = 0xFFFFFFFF, 0xFFFF  # a classic field holding these says "see the ZIP64 record"
ZIP64_LIMIT = FULL32  # from this size or offset on, ZIP64 records are written (tests lower it)
ZIP64_COUNT_LIMIT = FULL16
DEFLATED = 8
VERSION_DEFLATE, VERSION_ZIP64 = 20, 45
MADE_BY_UNIX = 3 << 8
UTF8_NAMES = 0x800

LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
END_RECORD = struct.Struct("<IHHHHIIH")
ZIP64_END_RECORD = struct.Struct("<IQHHIIQQQQ")
ZIP64_LOCATOR = struct.Struct("<IIQI")


@dataclass(frozen=True)
class _Member:
    name: str
    offset: int
    crc: int
    size: int
    compressed_size: int
    dos_time: int
    dos_date: int


def _dos_stamp(path: Path) -> tuple[int, int]:
    year, month, day, hour, minute, second, *_ = time.localtime(os.stat(path).st_mtime)
    year = min(max(year, 1980), 2107)
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day


def zip_files(target: Path, files: Sequence[Path], *, level: int = 1) -> Path:
    """Write target, a zip of files (each under its own name, in name order), deflated at ISA-L's level."""
    with open(target, "wb") as archive:
        members = [_write_member(archive, path, level) for path in sorted(files, key=lambda path: path.name)]
        _write_central_directory(archive, members)
    return target


def _local_header(name: bytes, flags: int, stamp: tuple[int, int], crc: int, size: int, compressed_size: int,
                  zip64: bool) -> bytes:
    extra = struct.pack("<HHQQ", 1, 16, size, compressed_size) if zip64 else b""
    return LOCAL_HEADER.pack(0x04034B50, VERSION_ZIP64 if zip64 else VERSION_DEFLATE, flags, DEFLATED, *stamp, crc,
                             FULL32 if zip64 else compressed_size, FULL32 if zip64 else size, len(name),
                             len(extra)) + name + extra


def _write_member(archive, path: Path, level: int) -> _Member:
    name, flags, stamp = path.name.encode("utf-8"), _flags(path.name), _dos_stamp(path)
    # Decided before the member is written, with zipfile's margin for a deflate larger than its input.
    zip64 = path.stat().st_size * 1.05 >= ZIP64_LIMIT
    offset = archive.tell()
    archive.write(_local_header(name, flags, stamp, 0, 0, 0, zip64))
    compressor = deflate.compressobj(level, deflate.DEFLATED, -deflate.MAX_WBITS)
    crc = size = 0
    start = archive.tell()
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            crc = deflate.crc32(chunk, crc)
            size += len(chunk)
            archive.write(compressor.compress(chunk))
    archive.write(compressor.flush())
    end = archive.tell()
    if not zip64 and max(size, end - start) >= ZIP64_LIMIT:
        raise RuntimeError(f"{path.name} grew past the zip's 4 GB limit while it was zipped")
    archive.seek(offset)
    archive.write(_local_header(name, flags, stamp, crc, size, end - start, zip64))
    archive.seek(end)
    return _Member(path.name, offset, crc, size, end - start, *stamp)


def _flags(name: str) -> int:
    return 0 if name.isascii() else UTF8_NAMES


def _write_central_directory(archive, members: list[_Member]) -> None:
    start = archive.tell()
    for member in members:
        offset = member.offset
        name = member.name.encode("utf-8")
        zip64 = max(member.size, member.compressed_size, offset) >= ZIP64_LIMIT
        extra = struct.pack("<HHQQQ", 1, 24, member.size, member.compressed_size, offset) if zip64 else b""
        version = VERSION_ZIP64 if zip64 else VERSION_DEFLATE
        archive.write(CENTRAL_HEADER.pack(
            0x02014B50, MADE_BY_UNIX | version, version, _flags(member.name), DEFLATED, member.dos_time,
            member.dos_date, member.crc, FULL32 if zip64 else member.compressed_size,
            FULL32 if zip64 else member.size, len(name), len(extra), 0, 0, 0, 0o100644 << 16,
            FULL32 if zip64 else offset))
        archive.write(name + extra)
    end = archive.tell()
    count, size = len(members), end - start
    if count >= ZIP64_COUNT_LIMIT or size >= ZIP64_LIMIT or start >= ZIP64_LIMIT:
        archive.write(ZIP64_END_RECORD.pack(0x06064B50, ZIP64_END_RECORD.size - 12, MADE_BY_UNIX | VERSION_ZIP64,
                                            VERSION_ZIP64, 0, 0, count, count, size, start))
        archive.write(ZIP64_LOCATOR.pack(0x07064B50, 0, end, 1))
        archive.write(END_RECORD.pack(0x06054B50, 0, 0, FULL16, FULL16, FULL32, FULL32, 0))
    else:
        archive.write(END_RECORD.pack(0x06054B50, 0, 0, count, count, size, start, 0))
