"""The colours and words of progress and health, shared by maps, pages and printed reports (no folium here)."""
from __future__ import annotations

from django.utils.translation import gettext as _

# Mean physical progress, 0-100, in five steps from red to green.
PROGRESS_STEPS = [(0, "#d73027"), (20, "#fc8d59"), (40, "#fee08b"), (60, "#91cf60"), (80, "#1a9850")]
NO_DATA_COLOUR = "#bdbdbd"
HEALTH_COLOURS = {"on_track": "#1a9850", "at_risk": "#fdae61", "overdue": "#d73027", "done": "#2c7bb6"}
# Health is never carried by colour alone: each has a shape too (legends, markers, badges).
HEALTH_SYMBOLS = {"on_track": "\u2713", "at_risk": "!", "overdue": "\u2716", "done": "\u2605"}


def progress_colour(progress: float | None) -> str:
    if progress is None:
        return NO_DATA_COLOUR
    colour = PROGRESS_STEPS[0][1]
    for threshold, step_colour in PROGRESS_STEPS:
        if progress >= threshold:
            colour = step_colour
    return colour


def health_labels() -> dict[str, str]:
    return {"on_track": _("On track"), "at_risk": _("At risk"), "overdue": _("Overdue"), "done": _("Done")}
