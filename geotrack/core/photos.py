"""Field photos: what a photo says about itself before its metadata is stripped, and its fingerprint.

Every photo geotrack keeps (progress reports, execution reports, citizen feedback) passes here once:
`photo_prepare` decodes it with the declared decoder only (geotrack.core.images), reads the capture
time and GPS position from its EXIF (Pillow's Exif API), computes a perceptual hash (pHash, from the
`imagehash` package) and re-encodes it without any metadata. The domain's evidence check
(projects/photo_checks.py) compares these facts with the site, the dates and every other photo.

Nothing here touches the database or the settings; times without an offset are read in `local_tz`.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import imagehash
from PIL import ExifTags, Image

from geotrack.core.images import PreparedImage, image_encode_stripped, open_checked, upright

# Tags of the EXIF sub-IFD and the GPS IFD that the check reads.
_DATETIME_ORIGINAL = ExifTags.Base.DateTimeOriginal
_OFFSET_TIME_ORIGINAL = ExifTags.Base.OffsetTimeOriginal
_DATETIME = ExifTags.Base.DateTime
_GPS = ExifTags.GPS
# A photo is fingerprinted twice: the pHash of the whole picture and of its central 95 %. Two photos
# are compared by the closest of whole-whole, whole-centre and centre-whole, so that a copy cropped by
# 5 % (2.5 % off each side) meets the original's centre. Re-encoded at JPEG quality 60, halved in size
# or cropped so, a photo stays within 2 bits of itself, while different photos of the same kind of
# site lie 10 or more bits apart (tests/citizens/test_evidence.py, README "Citizens"): 8 bits or fewer
# is the same picture. A crop from one side only moves the hash by about 12 bits and is not caught.
SAME_IMAGE_BITS = 8
CENTRE_SHARE = 0.95


@dataclass(frozen=True)
class PhotoFacts:
    """What a photo's own metadata and pixels say: capture time, position, fingerprint."""

    taken_at: dt.datetime | None
    longitude: float | None
    latitude: float | None
    phash: int  # 64 bits as a signed integer (a PostgreSQL bigint)
    phash_centre: int = 0  # the same of the picture's central 95 %

    @property
    def located(self) -> bool:
        return self.longitude is not None and self.latitude is not None


@dataclass(frozen=True)
class PreparedPhoto:
    image: PreparedImage  # re-encoded without metadata, plus a thumbnail
    facts: PhotoFacts


def _rational(value) -> float:
    return float(value[0]) / float(value[1]) if isinstance(value, tuple) else float(value)


def _degrees(dms, ref) -> float | None:
    try:
        degrees, minutes, seconds = (_rational(part) for part in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(value):
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    return -value if str(ref).strip().upper() in {"S", "W"} else value


def _position(exif: Image.Exif) -> tuple[float | None, float | None]:
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if not gps:
        return None, None
    latitude = _degrees(gps.get(_GPS.GPSLatitude), gps.get(_GPS.GPSLatitudeRef, "N"))
    longitude = _degrees(gps.get(_GPS.GPSLongitude), gps.get(_GPS.GPSLongitudeRef, "E"))
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None, None
    if latitude == 0 and longitude == 0:  # what a phone writes when it had no fix
        return None, None
    return longitude, latitude


def _taken_at(exif: Image.Exif, local_tz: dt.tzinfo) -> dt.datetime | None:
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    text = sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    if not isinstance(text, str):
        return None
    try:
        naive = dt.datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = sub.get(_OFFSET_TIME_ORIGINAL)
    if isinstance(offset, str):
        try:
            return dt.datetime.strptime(f"{naive:%Y-%m-%d %H:%M:%S}{offset.strip()}", "%Y-%m-%d %H:%M:%S%z")
        except ValueError:
            pass
    return naive.replace(tzinfo=local_tz)


def perceptual_hash(image: Image.Image) -> int:
    """The 64-bit pHash of an image as a signed integer (so that PostgreSQL's bigint holds it)."""
    value = int(str(imagehash.phash(image.convert("RGB"))), 16)
    return value - (1 << 64) if value >= 1 << 63 else value


def centre_hash(image: Image.Image) -> int:
    """The pHash of the central CENTRE_SHARE of an image."""
    width, height = image.size
    trim_w, trim_h = int(width * (1 - CENTRE_SHARE) / 2), int(height * (1 - CENTRE_SHARE) / 2)
    return perceptual_hash(image.crop((trim_w, trim_h, width - trim_w, height - trim_h)))


def fingerprints(image: Image.Image) -> tuple[int, int]:
    """(whole, centre) pHashes of an upright image."""
    return perceptual_hash(image), centre_hash(image)


def hamming(first: int, second: int) -> int:
    """Bits in which two 64-bit hashes differ."""
    return ((first ^ second) & ((1 << 64) - 1)).bit_count()


def fingerprint_distance(first: tuple[int, int], second: tuple[int, int]) -> int:
    """The closest of whole-whole, whole-centre and centre-whole (the SQL in projects/photo_checks.py agrees)."""
    return min(hamming(first[0], second[0]), hamming(first[0], second[1]), hamming(first[1], second[0]))


def photo_prepare(*, data: bytes, max_pixels: int, thumbnail_px: int, declared_name: str = "",
                  local_tz: dt.tzinfo | str = "UTC") -> PreparedPhoto:
    """Decode an upload with its declared decoder, read its facts, and re-encode it without metadata."""
    tz = ZoneInfo(local_tz) if isinstance(local_tz, str) else local_tz
    image = open_checked(data, max_pixels, declared_name)
    exif = image.getexif()  # read before anything drops it
    longitude, latitude = _position(exif)
    taken_at = _taken_at(exif, tz)
    straight = upright(image)
    prepared = image_encode_stripped(straight, source_format=image.format, thumbnail_px=thumbnail_px)
    whole, centre = fingerprints(straight)
    return PreparedPhoto(image=prepared, facts=PhotoFacts(taken_at=taken_at, longitude=longitude,
                                                          latitude=latitude, phash=whole, phash_centre=centre))
