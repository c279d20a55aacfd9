"""Synthetic site photos for the demo and the tests: JPEGs with EXIF capture time and GPS (Pillow's Exif API)."""
from __future__ import annotations

import datetime as dt
import io
import random

from PIL import ExifTags, Image, ImageDraw


def scene(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A made-up construction site: sky, ground, and a few blocks, cranes and roads placed by the seed."""
    rng = random.Random(seed)  # noqa: S311 - pictures, not secrets
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    horizon = int(height * rng.uniform(0.35, 0.6))
    sky, ground = (rng.randint(90, 170), rng.randint(150, 210), 235), (rng.randint(110, 170), rng.randint(90, 140), 70)
    for y in range(height):
        tone = sky if y < horizon else ground
        shade = (y - (0 if y < horizon else horizon)) / height
        draw.line([(0, y), (width, y)], fill=tuple(int(c * (1 - 0.4 * shade)) for c in tone))
    for _ in range(rng.randint(4, 9)):
        x0, w = rng.randint(0, width - 60), rng.randint(40, width // 3)
        top = rng.randint(height // 6, horizon)
        colour = tuple(rng.randint(40, 230) for _ in range(3))
        draw.rectangle([x0, top, min(width, x0 + w), horizon + rng.randint(0, height // 5)], fill=colour)
    for _ in range(rng.randint(1, 3)):
        x = rng.randint(0, width)
        draw.line([(x, horizon), (x, rng.randint(10, horizon // 2))], fill=(230, 180, 20), width=6)
    draw.ellipse([rng.randint(0, width - 80), rng.randint(0, horizon // 2), width, height], outline=(30, 30, 30),
                 width=rng.randint(2, 8))
    return image


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return (float(degrees), float(minutes), seconds)


def site_photo(seed: int, *, lon: float | None = None, lat: float | None = None, taken_at: dt.datetime | None = None,
               image: Image.Image | None = None, quality: int = 90) -> bytes:
    """A JPEG of `scene(seed)` (or of `image`) with EXIF capture time and GPS position when given."""
    picture = image if image is not None else scene(seed)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "geotrack-demo"
    if taken_at is not None:
        stamp = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        exif[ExifTags.Base.DateTime] = stamp
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        sub[ExifTags.Base.DateTimeOriginal] = stamp
        if taken_at.utcoffset() is not None:
            offset = int(taken_at.utcoffset().total_seconds() // 60)
            sub[ExifTags.Base.OffsetTimeOriginal] = f"{'+' if offset >= 0 else '-'}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    if lon is not None and lat is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps[ExifTags.GPS.GPSLatitude] = _dms(lat)
        gps[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps[ExifTags.GPS.GPSLongitude] = _dms(lon)
    output = io.BytesIO()
    picture.save(output, "JPEG", quality=quality, exif=exif)
    return output.getvalue()
