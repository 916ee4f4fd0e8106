"""Queries of a fixed shape, written to SQL once per process and database.

For a small query the ORM spends longer writing the SQL (about half a millisecond) than the
database spends answering it; the API's detail reads a few such queries per request. Only queries
that take no access decision belong here (a program's form, once the caller may see one of its
applications): who may see which row is decided by the selectors, per request, through the ORM.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet

# A value no id has, standing for the parameter while the SQL is written.
_PLACEHOLDER = -7_340_000_001


class FixedQuery:
    """`FixedQuery(lambda value: Question.objects.filter(program_id=value))`; `query.instances(42)`
    runs it for 42 and answers model instances (as the queryset would, converters included)."""

    def __init__(self, build: Callable[[Any], QuerySet]):
        self.build = build
        self._compiled: dict[str, tuple[type[Model], str, list[Any], list[int]]] = {}
        self._lock = threading.Lock()

    def _sql(self, using: str) -> tuple[type[Model], str, list[Any], list[int]]:
        compiled = self._compiled.get(using)
        if compiled is None:
            queryset = self.build(_PLACEHOLDER)
            sql, params = queryset.query.get_compiler(using=using).as_sql()
            slots = [index for index, param in enumerate(params) if param == _PLACEHOLDER]
            if len(slots) != 1:
                raise ValueError("A fixed query takes exactly one parameter.")
            compiled = (queryset.model, sql, list(params), slots)
            with self._lock:
                self._compiled[using] = compiled
        return compiled

    def instances(self, value: Any, *, using: str = "default") -> list[Model]:
        model, sql, params, slots = self._sql(using)
        params = list(params)
        for slot in slots:
            params[slot] = value
        return list(model._default_manager.db_manager(using).raw(sql, params))

    def rows(self, value: Any, *, using: str = "default") -> list[tuple]:
        """Plain rows, for queries of plain columns (numbers and text: no converters are applied)."""
        _model, sql, params, slots = self._sql(using)
        params = list(params)
        for slot in slots:
            params[slot] = value
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
