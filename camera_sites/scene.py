"""A generated construction-site picture for the camera simulator: a crane turns, a building rises."""
from __future__ import annotations

import datetime as dt
import io
import math

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 640, 360
BUILD_CYCLE_S = 3600  # the building tops out once an hour, then starts again


def scene_jpeg(*, camera_id: int, when: dt.datetime, quality: int = 80) -> bytes:
    """Draw camera camera_id's site at `when` and return it as JPEG bytes."""
    seconds = when.timestamp() + camera_id * 97  # each camera is at its own stage
    image = Image.new("RGB", (WIDTH, HEIGHT), (135, 180, 225))
    draw = ImageDraw.Draw(image)
    horizon = int(HEIGHT * 0.72)
    for band in range(0, horizon, 24):  # a sky that darkens upward
        shade = 150 + band * 80 // horizon
        draw.rectangle([0, band, WIDTH, band + 24], fill=(shade - 40, shade, 235))
    draw.rectangle([0, horizon, WIDTH, HEIGHT], fill=(150, 125, 90))
    _building(draw, seconds, horizon, camera_id)
    _crane(draw, seconds, horizon)
    stamp = when.strftime("%Y-%m-%d %H:%M:%S %Z")
    draw.rectangle([8, HEIGHT - 28, 330, HEIGHT - 6], fill=(0, 0, 0))
    draw.text((14, HEIGHT - 24), f"CAM {camera_id}  {stamp}", fill=(255, 255, 255))
    output = io.BytesIO()
    image.save(output, "JPEG", quality=quality)
    return output.getvalue()


def _building(draw: ImageDraw.ImageDraw, seconds: float, horizon: int, camera_id: int) -> None:
    floors = 2 + int((seconds % BUILD_CYCLE_S) / BUILD_CYCLE_S * 14)
    left, floor_h, width = 250 + (camera_id % 5) * 12, 13, 150
    for floor in range(floors):
        top = horizon - (floor + 1) * floor_h
        draw.rectangle([left, top, left + width, top + floor_h - 1], fill=(185, 185, 180), outline=(110, 110, 110))
        for window in range(left + 8, left + width - 8, 18):
            draw.rectangle([window, top + 3, window + 9, top + floor_h - 4], fill=(70, 90, 120))


def _crane(draw: ImageDraw.ImageDraw, seconds: float, horizon: int) -> None:
    mast_x, mast_top = 170, horizon - 250
    draw.rectangle([mast_x - 5, mast_top, mast_x + 5, horizon], fill=(240, 190, 20), outline=(90, 70, 0))
    angle = math.radians((seconds * 6) % 360)  # a full turn a minute
    reach = 190 * math.cos(angle)  # the jib seen from the side shortens as it turns
    draw.line([mast_x - reach * 0.35, mast_top, mast_x + reach, mast_top], fill=(240, 190, 20), width=6)
    hook_x = mast_x + reach * 0.8
    drop = 40 + 60 * (1 + math.sin(seconds / 7))
    draw.line([hook_x, mast_top, hook_x, mast_top + drop], fill=(40, 40, 40), width=2)
    draw.rectangle([hook_x - 10, mast_top + drop, hook_x + 10, mast_top + drop + 12], fill=(120, 60, 30))
