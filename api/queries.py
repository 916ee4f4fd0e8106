"""Queries of a fixed shape, written to SQL once per thread and database.

For a small query the ORM spends longer writing the SQL (about half a millisecond) than the
database spends answering it; the API's detail reads a few such queries per request. Only queries
that take no access decision belong here (the last submission and the form of an application the
caller may see): who may see which row is decided by the selectors, per request, through the ORM.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Aggregate, BooleanField, Count, F, Func, JSONField, Model, QuerySet, Subquery, Value
from django.db.models.functions import JSONObject


def _cursor(using: str):
    """A cursor for a fixed query. On PostgreSQL its statement is prepared on the server once per
    connection (psycopg's `prepare=True`, server-side binding) and then only executed: for the API's
    detail the planning (about 2 ms) costs more than the execution. Django's own cursors bind on the
    client and never prepare (it keeps connection poolers working); `DATABASE_PREPARED_STATEMENTS=false`
    turns this off too, behind a pooler in transaction mode that cannot keep prepared statements
    (config.settings: without a `prepare_threshold`, psycopg ignores `prepare=True`).
    The cursor goes through Django's wrapper: logged, counted and wrapped like any other."""
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _preparing_cursor_class()(connection.connection)
        if connection.timezone is dt.UTC and connection.connection.info.timezone is dt.UTC:
            # Both UTC: psycopg's own (compiled) loader gives what Django's gives, 15 times faster; a
            # page of 100 applications reads 200 date-times.
            raw.adapters.register_loader("timestamptz", _psycopg_timestamptz_loader())
        return connection._prepare_cursor(raw)


@functools.cache
def _psycopg_timestamptz_loader() -> type:
    import psycopg
    from psycopg.pq import Format

    return psycopg.adapters.get_loader(psycopg.postgres.types["timestamptz"].oid, Format.TEXT)


@functools.cache
def _preparing_cursor_class() -> type:
    """Made on first use: Django's PostgreSQL backend imports psycopg."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=True, **kwargs):
            return super().execute(query, params, prepare=prepare, **kwargs)

    return PreparingCursor


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
    slots: tuple[tuple[int, str], ...] = ()  # a scoped query's parameters that are the caller's ids


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
        with _cursor(using) as cursor:
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


# Stand-in ids for the caller while a scoped query is written: two sets, so that a query whose SQL
# depends on more than the caller's shape (or whose parameters are not exactly these ids, such as a
# time) is found at once instead of being reused for the wrong caller.
_STAND_INS = (
    {"user": -7_340_000_011, "partner": -7_340_000_012, "value": -7_340_000_013},
    {"user": -7_340_000_021, "partner": -7_340_000_022, "value": -7_340_000_023},
)


class QueriedWhileWriting(RuntimeError):
    """A query was built by reading the database: its SQL may not be kept for later requests."""


class _NoQueries:
    """An execute wrapper refusing every query: a kept query is written without reading anything,
    or it would freeze what it read into SQL reused for later requests."""

    def __call__(self, execute, sql, params, many, context):
        raise QueriedWhileWriting(f"A kept query must be written without querying the database; it ran: {sql[:200]}")


class ScopedQuery:
    """`ScopedQuery(lambda actor, pk: applications_visible_to(actor=actor).filter(pk=pk))`: a query of a
    fixed shape that also depends on the caller, written to SQL once per thread, database and caller
    shape (`core.access.Actor.shape`: signed in, staff, acting for a partner) instead of per request.

    Who may see what is still decided by the selectors: the query is built by calling them for a
    stand-in caller of the same shape whose user and partner ids are placeholders, then the
    placeholders are replaced by the real caller's ids. It is built twice with different stand-ins and
    must give the same SQL with the placeholders, and only them, in different places; building it may
    not query the database. A selector that breaks either rule is refused (a RuntimeError in tests),
    never silently reused."""

    def __init__(self, build: Callable[[Any, Any], QuerySet]):
        self.build = build
        self._local = threading.local()

    def _write(self, shape: tuple, stand_in: dict, using: str, *, guarded: bool = True) -> tuple:
        from core.access import Actor

        actor = Actor.stand_in(shape, user_id=stand_in["user"], partner_id=stand_in["partner"])
        with connections[using].execute_wrapper(_NoQueries()) if guarded else contextlib.nullcontext():
            queryset = self.build(actor, stand_in["value"])
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
        return queryset, compiler, sql, list(params)

    def _compiled(self, shape: tuple, using: str) -> _Compiled:
        cache = self._local.__dict__.setdefault("compiled", {})
        compiled = cache.get((shape, using))
        if compiled is None:
            # Once unguarded: the database backend may probe its features (a query, once) while writing.
            self._write(shape, _STAND_INS[0], using, guarded=False)
            queryset, compiler, sql, params = self._write(shape, _STAND_INS[0], using)
            _queryset, _compiler, other_sql, other_params = self._write(shape, _STAND_INS[1], using)
            names = {value: name for name, value in _STAND_INS[0].items()}
            slots = []
            for index, (first, second) in enumerate(zip(params, other_params, strict=True)):
                if first != second:
                    if first not in names or _STAND_INS[1][names[first]] != second:
                        raise RuntimeError(f"A scoped query's parameter {index} changes between callers: {first!r}.")
                    slots.append((index, names[first]))
            if sql != other_sql:
                raise RuntimeError("A scoped query's SQL depends on more than the caller's shape.")
            columns = [expression for expression, _sql, _alias in compiler.select]
            query = queryset.query
            compiled = cache[(shape, using)] = _Compiled(
                model=queryset.model,
                sql=sql,
                params=tuple(params),
                slot=-1,
                compiler=compiler,
                converters=compiler.get_converters(columns),
                field_names=(*query.extra_select, *query.values_select, *query.annotation_select),
                slots=tuple(slots),
            )
        return compiled

    def rows(self, actor: Any, value: Any, *, using: str = "default") -> list[dict[str, Any]]:
        """The rows for this caller and value, as dicts by column (as `values()` gives them)."""
        from core.access import Actor

        actor = Actor.of(actor)
        if not actor.is_signed_in:
            return []
        compiled = self._compiled(actor.shape, using)
        ids = {"user": actor.user.pk, "partner": actor.partner_id, "value": value}
        params = list(compiled.params)
        for index, name in compiled.slots:
            params[index] = ids[name]
        with _cursor(using) as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        names = compiled.field_names
        return [dict(zip(names, row, strict=True)) for row in rows]


class _EmbeddedJSON(Func):
    """A JSON column inside a JSON object: PostgreSQL embeds jsonb as it is; SQLite keeps JSON as text
    and reads it as JSON only through JSON()."""

    template = "%(expressions)s"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="JSON(%(expressions)s)", **extra_context)


class _JSONRows(Aggregate):
    """JSON objects aggregated into one JSON array."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


def json_rows(queryset: QuerySet, fields: Iterable[str] | dict[str, str]) -> Subquery:
    """A subquery answering the rows of `queryset` as one JSON array of objects (keys: `fields`, or
    the keys of a {key: field path} dict), or NULL when there is none; read them back with
    `instances_from_json` or as dicts. For a few small rows read beside a larger query, instead of a
    query of their own."""
    paths = fields if isinstance(fields, dict) else {name: name for name in fields}
    model_fields = {field.attname: field for field in queryset.model._meta.concrete_fields}
    values = {
        key: _EmbeddedJSON(F(path)) if isinstance(model_fields.get(path), JSONField) else F(path)
        for key, path in paths.items()
    }
    # One group for all rows (a constant is left out of GROUP BY): one row, NULL when there is none.
    rows = queryset.order_by().annotate(_one=Value(1)).values("_one").annotate(_rows=_JSONRows(JSONObject(**values)))
    return Subquery(rows.values("_rows"), output_field=JSONField())


def instances_from_json(model: type[Model], rows: list[dict[str, Any]] | None) -> list[Model]:
    """Model instances from `json_rows` objects of whole rows (booleans come back as 0/1 from SQLite)."""
    booleans = [field.attname for field in model._meta.concrete_fields if isinstance(field, BooleanField)]
    instances = []
    for row in rows or ():
        for name in booleans:
            if row.get(name) is not None:
                row[name] = bool(row[name])
        instances.append(model(**row))
    return instances


def fetch_values(queryset: QuerySet) -> list[dict[str, Any]]:
    """The rows of a `values()` queryset, as it gives them, read through a fixed query's cursor
    (prepared on PostgreSQL, date-times loaded by psycopg): for a page the API reads at every request."""
    using = queryset.db
    compiler = queryset.query.get_compiler(using=using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return []
    with _cursor(using) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    columns = [expression for expression, _sql, _alias in compiler.select]
    converters = compiler.get_converters(columns)
    if converters:
        rows = compiler.apply_converters(rows, converters)
    query = queryset.query
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    return [dict(zip(names, row, strict=True)) for row in rows]


class KeptQueries:
    """The SQL of `values()` querysets built from a request, kept per thread and database under a key
    that holds everything the queryset is built from (the caller's user, key and shape, the request's
    parameters, the page), so that a request that builds the same queryset again runs it without
    writing it anew: `KEPT.values(key, build)`.

    A queryset is kept only when writing it is a function of the key: it is built and written twice,
    both times without any query to the database, and must give the same SQL and parameters (a time
    or anything read at the moment would differ or query). Otherwise it is run as built, every time.
    The key must name the caller's ids, not only their shape: the SQL holds them. At most `size`
    querysets a thread, the least recently used dropped."""

    def __init__(self, size: int = 512):
        self.size = size
        self._local = threading.local()

    def _cache(self) -> OrderedDict:
        cache = getattr(self._local, "cache", None)
        if cache is None:
            cache = self._local.cache = OrderedDict()
        return cache

    @staticmethod
    def _write(build: Callable[[], QuerySet], using: str) -> tuple[QuerySet, Any, str, tuple] | None:
        try:
            with connections[using].execute_wrapper(_NoQueries()):
                queryset = build()
                compiler = queryset.query.get_compiler(using=using)
                sql, params = compiler.as_sql()
        except (QueriedWhileWriting, EmptyResultSet):
            return None
        return queryset, compiler, sql, tuple(params)

    def values(self, key: tuple, build: Callable[[], QuerySet], *, using: str = "default") -> list[dict[str, Any]]:
        cache = self._cache()
        compiled = cache.get((using, key))
        if compiled is None:
            first = self._write(build, using)
            second = self._write(build, using) if first is not None else None
            if second is None or first[2:] != second[2:]:
                return fetch_values(build())
            queryset, compiler, sql, params = first
            query = queryset.query
            columns = [expression for expression, _sql, _alias in compiler.select]
            compiled = _Compiled(
                model=queryset.model,
                sql=sql,
                params=params,
                slot=-1,
                compiler=compiler,
                converters=compiler.get_converters(columns),
                field_names=(*query.extra_select, *query.values_select, *query.annotation_select),
            )
            cache[(using, key)] = compiled
            if len(cache) > self.size:
                cache.popitem(last=False)
        else:
            cache.move_to_end((using, key))
        return _run(compiled, compiled.params, using)


def _run(compiled: _Compiled, params, using: str) -> list[dict[str, Any]]:
    with _cursor(using) as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    if compiled.converters:
        rows = compiled.compiler.apply_converters(rows, compiled.converters)
    return [dict(zip(compiled.field_names, row, strict=True)) for row in rows]


def count_query(queryset: QuerySet) -> QuerySet:
    """`queryset`'s number of rows as a `values()` queryset of one row, `{"count": n}` (what
    `.count()` answers, as a query that can be kept)."""
    return queryset.order_by().annotate(_one=Value(1)).values("_one").annotate(count=Count("pk")).values("count")
