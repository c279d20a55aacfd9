"""Pages of the projects' GeoJSON, whose features are built in PostGIS."""
from __future__ import annotations

import json

from django.conf import settings
from django.db.models import QuerySet

from geotrack.core.pagination import Page, page_links
from projects.selectors import projects_count, projects_features_page


def geojson_page(request, *, queryset: QuerySet, page: Page) -> str:
    """Return the FeatureCollection text; Python never touches a feature."""
    features, returned = projects_features_page(queryset=queryset, offset=page.offset, limit=page.size)
    if 0 < returned < page.size or (returned == 0 and page.number == 1):
        count, estimated = page.offset + returned, False  # the last page tells the total: no COUNT needed
    else:
        count, estimated = projects_count(queryset=queryset, exact_limit=settings.GEOTRACK["EXACT_COUNT_LIMIT"])
    next_url, previous_url = page_links(request.build_absolute_uri(), page, count)
    head = json.dumps({"type": "FeatureCollection", "count": count, "count_is_estimate": estimated,
                       "next": next_url, "previous": previous_url})
    return head[:-1] + ', "features": ' + features + "}"
