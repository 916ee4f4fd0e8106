from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination

from api.queries import KeptQueries, count_query


class Pagination(PageNumberPagination):
    """`?page=2&page_size=100`: 50 a page unless asked, never more than 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class RowsByIds:
    """A queryset as the paginator reads it when a page is read as rows (`values(*columns)`): counted
    without the joins the columns need, and a page read in one query that sorts and slices the ids in
    a subquery (an index scan), then joins only those rows. Sorting every joined row to keep a page
    of them cost PostgreSQL more than the rest of the request.

    `build()` makes the queryset (filtered, ordered) the first time it is needed; `key` names all it is
    built from (the caller, the request's filters), so that the count and a page are written to SQL
    once per key and thread (`api.queries.KeptQueries`), not at every request."""

    ordered = True  # the views order every list

    def __init__(
        self,
        build: Callable[[], QuerySet],
        columns: Sequence[str],
        *,
        key: tuple,
        annotations: Callable[[], dict[str, Any]] = dict,
    ):
        self.build = build
        self.columns = tuple(columns)
        self.key = key
        self.annotations = annotations  # further columns of each row (subqueries of the row's pk)
        self._queryset = None

    @property
    def queryset(self) -> QuerySet:
        if self._queryset is None:
            self._queryset = self.build()
        return self._queryset

    def count(self) -> int:
        return KEPT.values((*self.key, "count"), lambda: count_query(self.queryset))[0]["count"]

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return KEPT.values((*self.key, page.start, page.stop), lambda: self._page(page))

    def _page(self, page: slice) -> QuerySet:
        ids = self.queryset.values("pk")[page]
        rows = self.queryset.model._base_manager.filter(pk__in=ids).order_by(*self.queryset.query.order_by)
        return rows.values(*self.columns).annotate(**self.annotations())


# The list pages' SQL, kept per request key (RowsByIds).
KEPT = KeptQueries()
