"""Pages of lists: DRF's page-number pagination for JSON lists, and page parameters for GeoJSON built in SQL."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from rest_framework.pagination import PageNumberPagination
from rest_framework.utils.urls import replace_query_param

from geotrack.core.params import whole_number

# Pages beyond this are refused (400) rather than turned into an OFFSET PostgreSQL cannot hold.
MAX_PAGE = 1_000_000_000


class ListPagination(PageNumberPagination):
    """Page-number pagination whose page_size, when given, must be a whole number (else 400)."""

    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        if self.page_size_query_param in request.query_params:
            return whole_number(request.query_params[self.page_size_query_param], self.page_size_query_param,
                                low=1, high=self.max_page_size)
        return self.page_size


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def page_params(query) -> Page:
    """Read page and page_size (capped at API_MAX_PAGE_SIZE); a bad value is a BadParameter."""
    number = whole_number(query.get("page"), "page", default=1, low=1, high=MAX_PAGE)
    size = whole_number(query.get("page_size"), "page_size", default=settings.GEOTRACK["API_DEFAULT_PAGE_SIZE"],
                        low=1, high=settings.GEOTRACK["API_MAX_PAGE_SIZE"])
    return Page(number=number, size=size)


def page_links(request, page: Page, count: int) -> tuple[str | None, str | None]:
    """The next and previous links of a page, on the request's own URL (built only when a link is)."""
    has_next, has_previous = page.number * page.size < count, page.number > 1
    if not (has_next or has_previous):
        return None, None
    url = request.build_absolute_uri()
    next_url = replace_query_param(url, "page", page.number + 1) if has_next else None
    previous_url = replace_query_param(url, "page", page.number - 1) if has_previous else None
    return next_url, previous_url
