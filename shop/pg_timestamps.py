"""Timestamps read from PostgreSQL by psycopg's compiled parser instead of its Python one.

Django reads every ``timestamptz`` value through its own loader, a subclass of psycopg's
*Python* loader (to give the value Django's time zone). psycopg's compiled loader (from
``psycopg[binary]``) cannot be subclassed, so Django's class never gets it: each value is
parsed by Python code, about 5.6 µs against 0.4 µs. A feed page reads some twenty of them
(each post's times, the signed-in person's), every ORM query its own.

When the connection's session time zone is the one Django gives values (UTC, Django's
default with ``USE_TZ``), the compiled loader already returns exactly what Django's does:
aware values in that zone. ``install`` then puts a thin loader on the connection that
hands each value to the compiled one. In any other setup (``USE_TZ`` off, a database
``TIME_ZONE``) it leaves Django's loader alone.

``tests/shop/test_pg_timestamps.py`` compares both loaders' values.
"""

from __future__ import annotations

from functools import cache

import psycopg
from psycopg.adapt import Loader
from psycopg.postgres import types
from psycopg.pq import Format

TIMESTAMPTZ_OID = types["timestamptz"].oid


@cache
def _compiled_loader() -> type[Loader]:
    """psycopg's own text loader for ``timestamptz``: the compiled one when installed (looked
    up once: a loader is made for each timestamp column of each result)."""
    return psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class DelegatingTimestamptzLoader(Loader):
    """Loads through psycopg's own loader. ``timezone`` is what Django checks a connection's
    loader for (``DatabaseWrapper.create_cursor``) before giving a cursor a loader of its own."""

    timezone = None

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        # psycopg takes a result column's ``loader.load`` once, then calls it for each value:
        # the compiled loader's own method, with no Python call in between.
        self.load = _compiled_loader()(oid, context).load

    def load(self, data):  # replaced on each instance by the compiled loader's
        raise NotImplementedError


@cache
def _loader_for(zone) -> type[Loader]:
    return type("TimestamptzLoader", (DelegatingTimestamptzLoader,), {"timezone": zone})


def install(sender=None, *, connection, **kwargs) -> bool:
    """``connection_created`` receiver: use the compiled loader on a PostgreSQL connection
    whose session time zone is the one Django gives values. Whether it did."""
    if connection.vendor != "postgresql" or connection.timezone is None:
        return False
    raw = connection.connection
    if raw.info.timezone != connection.timezone:
        return False
    raw.adapters.register_loader(TIMESTAMPTZ_OID, _loader_for(connection.timezone))
    return True
