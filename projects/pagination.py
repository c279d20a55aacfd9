"""Pages of the projects' GeoJSON, whose features are built in PostGIS."""
from __future__ import annotations

import json

from django.conf import settings

from geotrack.core.pagination import Page, page_links
from geotrack.core.sql import Sql
from projects.selectors import features_of_page, projects_count, projects_page_sql


def geojson_page(request, *, where: Sql, page: Page) -> str:
    """Return the FeatureCollection of the projects matching a condition on alias p; Python never touches a feature."""
    features, returned = features_of_page(projects_page_sql(where, offset=page.offset, limit=page.size))
    if 0 < returned < page.size or (returned == 0 and page.number == 1):
        count, estimated = page.offset + returned, False  # the last page tells the total: no COUNT needed
    else:
        count, estimated = projects_count(where=where, exact_limit=settings.GEOTRACK["EXACT_COUNT_LIMIT"])
    next_url, previous_url = page_links(request, page, count)
    head = json.dumps({"type": "FeatureCollection", "count": count, "count_is_estimate": estimated,
                       "next": next_url, "previous": previous_url})
    return head[:-1] + ', "features": ' + features + "}"
