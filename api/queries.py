"""Queries of a fixed shape, written to SQL once per thread and database.

For a small query the ORM spends longer writing the SQL (about half a millisecond) than the
database spends answering it; the API's detail reads a few such queries per request. Only queries
that take no access decision belong here (the last submission and the form of an application the
caller may see): who may see which row is decided by the selectors, per request, through the ORM.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet

# A value no id has, standing for the parameter while the SQL is written.
_PLACEHOLDER = -7_340_000_001


@dataclasses.dataclass(frozen=True)
class _Compiled:
    model: type[Model]
    sql: str
    params: tuple
    slot: int
    compiler: Any  # applies the database's converters (dates on SQLite, JSON), as the queryset would
    converters: dict
    field_names: tuple[str, ...] | None  # set when the query reads whole rows of `model`


class FixedQuery:
    """`FixedQuery(lambda value: Question.objects.filter(program_id=value))`: `query.rows(42)` runs it
    for 42 and answers its rows (tuples, converted as the queryset converts them); `query.instances(42)`
    model instances, for a query of whole rows."""

    def __init__(self, build: Callable[[Any], QuerySet], *, placeholder: Any = _PLACEHOLDER):
        self.build = build
        self.placeholder = placeholder  # a text placeholder for a text parameter (an int would be cast)
        self._local = threading.local()  # a compiler belongs to its thread's connection

    def _compiled(self, using: str) -> _Compiled:
        cache = self._local.__dict__.setdefault("compiled", {})
        compiled = cache.get(using)
        if compiled is None:
            queryset = self.build(self.placeholder)
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            slots = [index for index, param in enumerate(params) if param == self.placeholder]
            if len(slots) != 1:
                raise ValueError("A fixed query takes exactly one parameter.")
            columns = [expression for expression, _sql, _alias in compiler.select]
            whole = compiler.klass_info is not None and not queryset.query.values_select
            compiled = cache[using] = _Compiled(
                model=queryset.model,
                sql=sql,
                params=tuple(params),
                slot=slots[0],
                compiler=compiler,
                converters=compiler.get_converters(columns),
                field_names=tuple(column.target.attname for column in columns) if whole else None,
            )
        return compiled

    def rows(self, value: Any, *, using: str = "default") -> list[tuple]:
        compiled = self._compiled(using)
        params = list(compiled.params)
        params[compiled.slot] = value
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = [tuple(row) for row in compiled.compiler.apply_converters(rows, compiled.converters)]
        return rows

    def instances(self, value: Any, *, using: str = "default") -> list[Model]:
        compiled = self._compiled(using)
        if compiled.field_names is None:
            raise ValueError("instances() reads whole rows: build the query without values().")
        return [compiled.model.from_db(using, compiled.field_names, row) for row in self.rows(value, using=using)]
