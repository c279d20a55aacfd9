"""Page links and counts for GeoJSON lists whose features are built in PostGIS."""
from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from projects.selectors import projects_count, projects_features_page


@dataclass(frozen=True)
class Page:
    number: int
    size: int


def page_params(request: Request) -> Page:
    """Read page and page_size; page_size is capped, and bad values are a 400."""
    errors, values = {}, {}
    limits = {"page": (1, None), "page_size": (1, settings.GEOTRACK["API_MAX_PAGE_SIZE"])}
    defaults = {"page": 1, "page_size": settings.GEOTRACK["API_DEFAULT_PAGE_SIZE"]}
    for name, (low, high) in limits.items():
        raw = request.query_params.get(name, defaults[name])
        try:
            value = int(raw)
        except (TypeError, ValueError):
            errors[name] = [f"{name} must be a whole number."]
            continue
        if value < low or (high is not None and value > high):
            errors[name] = [f"{name} must be between {low} and {high}." if high else f"{name} must be at least {low}."]
        values[name] = value
    if errors:
        raise exceptions.ValidationError(errors)
    return Page(number=values["page"], size=values["page_size"])


def geojson_page(request: Request, *, queryset: QuerySet, page: Page) -> str:
    """Return the FeatureCollection text; Python never touches a feature."""
    offset = (page.number - 1) * page.size
    features, returned = projects_features_page(queryset=queryset, offset=offset, limit=page.size)
    if 0 < returned < page.size or (returned == 0 and page.number == 1):
        count, estimated = offset + returned, False  # the last page tells the total: no COUNT needed
    else:
        count, estimated = projects_count(queryset=queryset, exact_limit=settings.GEOTRACK["EXACT_COUNT_LIMIT"])
    url = request.build_absolute_uri()
    has_next = page.number * page.size < count
    next_url = replace_query_param(url, "page", page.number + 1) if has_next else None
    previous_url = replace_query_param(url, "page", page.number - 1) if page.number > 1 else None
    head = json.dumps({"type": "FeatureCollection", "count": count, "count_is_estimate": estimated,
                       "next": next_url, "previous": previous_url})
    return head[:-1] + ', "features": ' + features + "}"
