"""ORM querysets turned into SQL once per process, then run with each request's values.

Building and compiling a queryset costs the ORM several times the CPU that PostgreSQL needs
to answer a small indexed query, and a feed page's rows are such a query on every request
(``bench/README.md``). So the few queries of that kind are built once per *shape* with
stand-in values, and each request runs the SQL with its own values in their place, through
the connection's cursor: the rows are the model instances the ORM gives, built with the
documented ``Model.from_db`` where no column of the model needs a converter (PostgreSQL), else
by ``raw()`` (which applies the fields' converters), and the query is logged and counted like any other.
The queryset stays the one definition of what is read; nothing is written out by hand.

Stand-ins are values no row or request has (ids below -10^12, times in 1901), each distinct;
the parameter equal to a stand-in takes the request's value. The shape is the ``fixed``
arguments (a page size: Django writes slices into the SQL) plus which values are None and how
long each list of ids is; a new shape is compiled once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Literal, TypeVar

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)
Value = int | datetime | list[int] | None

_FIRST_ID = -(10**12)
_FIRST_TIME = datetime(1901, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _Reading:
    names: list[str]  # the model's fields the row holds, in the model's order
    positions: list[int] | None  # where each is in the row; None: the row's first columns
    annotations: list[tuple[str, int]]  # the other columns: name, place in the row


@dataclass
class _Compiled(Generic[M]):
    queryset: QuerySet[M]
    sql: str
    params: list[Any]
    places: dict[int, tuple[str, int | None]]  # parameter position -> (value's name, index in its list)
    # How a row becomes an instance, learnt from the first run's columns; False where
    # ``raw()`` reads the rows (a column of the model needs a converter on this database).
    reading: _Reading | Literal[False] | None = None


@contextmanager
def kept_plan(cursor: CursorWrapper) -> Iterator[None]:
    """The statements run inside on ``cursor`` keep one plan for any values once prepared
    (PostgreSQL's own choice, ``plan_cache_mode`` auto), where the site's connections plan
    each run for its values (``shop/settings.py``): for a hot statement that costs more to plan
    than to run and whose best plan does not depend on its values (For you's rows by id; the
    viewer's marks are ``shop.expressions.Probe``). Not for a list keyed by a parent whose
    children can number in thousands for a few: the plan, made for the average parent, reads
    all of a big one's (``tests/shop/test_generic_plans.py``). Two small statements more, so
    only where they pay (``bench/README.md``, "Session 16").

    Only in autocommit, as requests read: inside a transaction already begun, how that
    transaction ends would decide whether the setting is undone, so the statements run
    planned for their values there. Elsewhere than on PostgreSQL, nothing."""
    if cursor.db.vendor != "postgresql" or cursor.db.in_atomic_block:
        yield
        return
    cursor.execute("SELECT set_config('plan_cache_mode', 'auto', false)")
    try:
        yield
    finally:
        cursor.execute("RESET plan_cache_mode")


class CompiledQuery(Generic[M]):
    """``build(**values, **fixed)`` compiled once per shape; ``rows(values, **fixed)`` runs it,
    with a plan kept for any values if ``kept_plan`` (see ``kept_plan``)."""

    def __init__(self, build: Callable[..., QuerySet[M]], *, kept_plan: bool = False) -> None:
        self.build = build
        self.kept_plan = kept_plan
        self._compiled: dict[Hashable, _Compiled[M]] = {}
        self._lock = threading.Lock()

    def rows(self, values: Mapping[str, Value], **fixed: Hashable) -> list[M]:
        """The rows of ``build(**values, **fixed)``."""
        shape = (
            tuple(sorted(fixed.items())),
            tuple(sorted((name, _shape(value)) for name, value in values.items())),
        )
        compiled = self._compiled.get(shape)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(shape) or self._compile(values, fixed)
                self._compiled[shape] = compiled
        queryset = compiled.queryset
        connection = connections[queryset.db]
        actual = list(compiled.params)
        for position, (name, index) in compiled.places.items():
            value = values[name]
            value = value[index] if isinstance(value, list) and index is not None else value
            actual[position] = connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value
        if compiled.reading is False:
            return list(queryset.model._default_manager.db_manager(queryset.db).raw(compiled.sql, actual))
        with connection.cursor() as cursor, kept_plan(cursor) if self.kept_plan else nullcontext():
            cursor.execute(compiled.sql, actual)
            found = cursor.fetchall()
            names = [column[0] for column in cursor.description] if compiled.reading is None else []
        if compiled.reading is None:
            compiled.reading = _reading(queryset.model, names)
        assert isinstance(compiled.reading, _Reading)
        reading, model, db = compiled.reading, queryset.model, queryset.db
        instances = []
        for row in found:
            if reading.positions is None:
                instance = model.from_db(db, reading.names, row[: len(reading.names)])
            else:
                instance = model.from_db(db, reading.names, [row[index] for index in reading.positions])
            for name, index in reading.annotations:
                setattr(instance, name, row[index])
            instances.append(instance)
        return instances

    def _compile(self, values: Mapping[str, Value], fixed: Mapping[str, Hashable]) -> _Compiled[M]:
        stand_ins: dict[str, Value] = {}
        wanted: dict[Any, tuple[str, int | None]] = {}
        counter = 0

        def stand_in_id() -> int:
            nonlocal counter
            counter += 1
            return _FIRST_ID - counter

        for name, value in values.items():
            if value is None:
                stand_ins[name] = None
            elif isinstance(value, datetime):
                stand_ins[name] = _FIRST_TIME + timedelta(seconds=stand_in_id() - _FIRST_ID)
            elif isinstance(value, list):
                stand_ins[name] = [stand_in_id() for _ in value]
            else:
                stand_ins[name] = stand_in_id()
        queryset = self.build(**stand_ins, **fixed)
        ops = connections[queryset.db].ops
        for name, stand_in in stand_ins.items():
            if isinstance(stand_in, list):
                wanted.update({one: (name, index) for index, one in enumerate(stand_in)})
            elif isinstance(stand_in, datetime):
                wanted[ops.adapt_datetimefield_value(stand_in)] = (name, None)
            elif stand_in is not None:
                wanted[stand_in] = (name, None)
        sql, params = queryset.query.sql_with_params()
        places = {position: wanted[param] for position, param in enumerate(params) if _hashable(param) in wanted}
        if any(isinstance(key, int) and str(-key) in sql for key in wanted):
            raise ValueError("a stand-in value was written into the SQL: make that argument fixed")
        # Where a field needs a converter (SQLite's times and booleans), raw() applies them.
        reading = False if needs_converters(queryset.model, connections[queryset.db]) else None
        return _Compiled(queryset, sql, list(params), places, reading)


def needs_converters(model: type[Model], connection: BaseDatabaseWrapper) -> bool:
    """Whether a column of ``model`` comes out of this database otherwise than the ORM gives it."""
    table = model._meta.db_table
    return any(
        connection.ops.get_db_converters(field.get_col(table)) or field.get_db_converters(connection)
        for field in model._meta.concrete_fields
    )


def _reading(model: type[Model], names: Sequence[str]) -> _Reading:
    """How ``Model.from_db`` takes a row with columns ``names``, as ``raw()`` reads it: the
    model's columns by name, the other columns as annotations."""
    by_column = {field.column: field for field in model._meta.concrete_fields}
    where = {by_column[name].attname: index for index, name in enumerate(names) if name in by_column}
    if model._meta.pk.attname not in where:
        raise ValueError(f"a compiled query of {model.__name__} must select its primary key")
    fields = [field.attname for field in model._meta.concrete_fields if field.attname in where]
    positions = [where[name] for name in fields]
    annotations = [(name, index) for index, name in enumerate(names) if name not in by_column]
    in_order = positions == list(range(len(positions)))
    return _Reading(fields, None if in_order else positions, annotations)


def _shape(value: Value) -> Hashable:
    if isinstance(value, list):
        return ("list", len(value))
    return type(value).__name__


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return None
    return value
