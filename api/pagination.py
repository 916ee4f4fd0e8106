from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """`?page=2&page_size=100`: 50 a page unless asked, never more than 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class RowsByIds:
    """A queryset as the paginator reads it when a page is read as rows (`values(*columns)`): counted
    without the joins the columns need, and a page read in one query that sorts and slices the ids in
    a subquery (an index scan), then joins only those rows. Sorting every joined row to keep a page
    of them cost PostgreSQL more than the rest of the request."""

    def __init__(self, queryset: QuerySet, columns: Sequence[str]):
        self.queryset = queryset
        self.columns = tuple(columns)

    @property
    def ordered(self) -> bool:
        return self.queryset.ordered

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        ids = self.queryset.values("pk")[page]
        rows = self.queryset.model._base_manager.filter(pk__in=ids)
        return list(rows.order_by(*self.queryset.query.order_by).values(*self.columns))
