"""Snapshot images: prove an upload is a JPEG or PNG, strip its metadata, make a thumbnail.

Everything here works on bytes in memory and raises ImageRejected; nothing touches storage.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": "jpg", "PNG": "png"}
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80


class ImageRejected(Exception):
    """The upload is not an acceptable image; status_code says which 4xx."""

    def __init__(self, message: str, status_code: int = 400):
        super().__init__(message)
        self.message = message
        self.status_code = status_code


@dataclass(frozen=True)
class PreparedImage:
    content: bytes
    extension: str
    thumbnail: bytes
    width: int
    height: int


def _open_checked(data: bytes, max_pixels: int) -> Image.Image:
    """Open, check format and size from the header, verify, and return a fully loaded image."""
    with warnings.catch_warnings():
        # Our own pixel cap (below) decides; Pillow's bomb warning would only be noise.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            header = Image.open(io.BytesIO(data))
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
            raise ImageRejected("The file is not a JPEG or PNG image.") from exc
        if header.format not in FORMATS:
            raise ImageRejected(f"Only JPEG and PNG are accepted, not {header.format}.")
        width, height = header.size
        if width * height > max_pixels:
            raise ImageRejected(f"The image has {width}x{height} pixels; the limit is {max_pixels} pixels.", 413)
        try:
            header.verify()  # checks the structure (PNG CRCs, JPEG markers)
            image = Image.open(io.BytesIO(data))  # verify() leaves the image unusable
            image.load()  # decodes every pixel: a truncated or corrupt file fails here
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            raise ImageRejected("The image is damaged or truncated.") from exc
    return image


def snapshot_image_prepare(*, data: bytes, max_pixels: int, thumbnail_px: int) -> PreparedImage:
    """Decode an upload and re-encode it without metadata (EXIF, GPS, text chunks), plus a thumbnail."""
    image = _open_checked(data, max_pixels)
    source_format = image.format
    # Apply the EXIF orientation before dropping EXIF, so the picture stays upright.
    image = ImageOps.exif_transpose(image)
    output = io.BytesIO()
    if source_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(output, "JPEG", quality=JPEG_QUALITY)
    else:
        image.save(output, "PNG")  # Pillow writes no text or EXIF chunks unless asked
    thumbnail = image.convert("RGB") if image.mode not in ("RGB", "L") else image.copy()
    thumbnail.thumbnail((thumbnail_px, thumbnail_px))
    thumbnail_output = io.BytesIO()
    thumbnail.save(thumbnail_output, "JPEG", quality=THUMBNAIL_QUALITY)
    return PreparedImage(content=output.getvalue(), extension=FORMATS[source_format],
                         thumbnail=thumbnail_output.getvalue(), width=image.width, height=image.height)
