"""Snapshot images: prove an upload is a JPEG or PNG, strip its metadata, make a thumbnail.

Everything here works on bytes in memory and raises ImageRejected; nothing touches storage.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

FORMATS = {"JPEG": "jpg", "PNG": "png"}
# What a file's name may say it is, and which decoder that names: Pillow opens an upload with that
# decoder only, never with whichever of its many plugins recognises the bytes.
DECLARED = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
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


def _decoders(declared_name: str) -> list[str]:
    suffix = ("." + declared_name.rsplit(".", 1)[-1].lower()) if "." in declared_name else ""
    if not suffix:
        return list(FORMATS)
    if suffix not in DECLARED:
        raise ImageRejected(f"Only JPEG and PNG are accepted ({', '.join(DECLARED)}), not {suffix}.")
    return [DECLARED[suffix]]


def open_checked(data: bytes, max_pixels: int, declared_name: str = "") -> Image.Image:
    """Open with the declared format's decoder only, check size from the header, verify, and load fully."""
    # Pillow is loaded by the first image, not at start-up: every manage.py command imports this module
    # (through camera_sites.services, which the admin and the cameras' relink after a geometry change import).
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415

    decoders = _decoders(declared_name)
    with warnings.catch_warnings():
        # Our own pixel cap (below) decides; Pillow's bomb warning would only be noise.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            header = Image.open(io.BytesIO(data), formats=decoders)
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
            what = " or ".join(decoders)
            raise ImageRejected(f"The file is not a {what} image.") from exc
        if header.format not in FORMATS:
            raise ImageRejected(f"Only JPEG and PNG are accepted, not {header.format}.")
        width, height = header.size
        if width * height > max_pixels:
            raise ImageRejected(f"The image has {width}x{height} pixels; the limit is {max_pixels} pixels.", 413)
        try:
            header.verify()  # checks the structure (PNG CRCs, JPEG markers)
            image = Image.open(io.BytesIO(data), formats=decoders)  # verify() leaves the image unusable
            image.load()  # decodes every pixel: a truncated or corrupt file fails here
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            raise ImageRejected("The image is damaged or truncated.") from exc
    return image


def snapshot_image_prepare(*, data: bytes, max_pixels: int, thumbnail_px: int,
                           declared_name: str = "") -> PreparedImage:
    """Decode an upload and re-encode it without metadata (EXIF, GPS, text chunks), plus a thumbnail.

    declared_name: the upload's file name; its suffix names the one decoder the bytes must satisfy.
    """
    image = open_checked(data, max_pixels, declared_name)
    return image_encode_stripped(upright(image), source_format=image.format, thumbnail_px=thumbnail_px)


def upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation, so that the picture stays upright once EXIF is dropped."""
    from PIL import ImageOps  # noqa: PLC0415 - see open_checked()

    return ImageOps.exif_transpose(image)


def image_encode_stripped(image: Image.Image, *, source_format: str, thumbnail_px: int) -> PreparedImage:
    """Encode a decoded image in its source format with no metadata at all, plus a JPEG thumbnail."""
    output = io.BytesIO()
    if source_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(output, "JPEG", quality=JPEG_QUALITY)  # no exif= argument: nothing of the source's
    else:
        image.save(output, "PNG")  # Pillow writes no text or EXIF chunks unless asked
    thumbnail = image.convert("RGB") if image.mode not in ("RGB", "L") else image.copy()
    # reducing_gap=1.0: first an exact box reduction by the whole factor, then a small resample (8x faster).
    thumbnail.thumbnail((thumbnail_px, thumbnail_px), reducing_gap=1.0)
    thumbnail_output = io.BytesIO()
    thumbnail.save(thumbnail_output, "JPEG", quality=THUMBNAIL_QUALITY)
    return PreparedImage(content=output.getvalue(), extension=FORMATS[source_format],
                         thumbnail=thumbnail_output.getvalue(), width=image.width, height=image.height)


def image_check(*, data: bytes, declared_name: str, max_pixels: int) -> str:
    """Prove that bytes are the JPEG or PNG their name declares (decoded fully); return the format."""
    return open_checked(data, max_pixels, declared_name).format
