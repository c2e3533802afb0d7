"""Timestamps read by psycopg's compiled parser (``shop.pg_timestamps``) are Django's values."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader

from shop import pg_timestamps
from shop.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALUES = [
    "2026-11-23 09:15:42.123456+00",
    "2026-03-29 01:59:59.999999+02",  # another offset, a DST change in Europe
    "2000-02-29 23:59:59.000001-11:30",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "1969-12-31 23:59:59.5+00",
]
SQL = "SELECT " + ", ".join(f"'{value}'::timestamptz" for value in VALUES) + ", NULL::timestamptz"


def test_postgresql_connections_load_timestamps_with_the_compiled_loader_and_give_djangos_values(postgres_only):
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(pg_timestamps.TIMESTAMPTZ_OID, 0)
    assert issubclass(loader, pg_timestamps.DelegatingTimestamptzLoader)
    with connection.cursor() as cursor:
        cursor.execute(SQL)
        fast = cursor.fetchone()
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)  # Django's own loader, on this cursor only
        cursor.execute(SQL)
        djangos = cursor.fetchone()
    assert fast == djangos
    assert fast[0] == datetime(2026, 11, 23, 9, 15, 42, 123456, tzinfo=UTC)
    assert all(value.tzinfo is UTC for value in fast[:-1])
    assert fast[-1] is None


def test_the_orm_reads_its_own_timestamps_back_unchanged(postgres_only):
    user = UserFactory()
    when = datetime(2026, 11, 23, 9, 15, 42, 123456, tzinfo=UTC)
    User.objects.filter(pk=user.pk).update(last_login=when)
    assert User.objects.get(pk=user.pk).last_login == when


def test_another_session_time_zone_keeps_djangos_loader(postgres_only):
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.execute("SET TIME ZONE 'Asia/Jakarta'")
        wrapper = SimpleNamespace(vendor="postgresql", timezone=UTC, connection=raw)
        before = raw.adapters.get_loader(pg_timestamps.TIMESTAMPTZ_OID, 0)
        assert pg_timestamps.install(connection=wrapper) is False
        assert raw.adapters.get_loader(pg_timestamps.TIMESTAMPTZ_OID, 0) is before
    finally:
        raw.close()


def test_without_time_zones_or_on_sqlite_nothing_is_installed():
    assert pg_timestamps.install(connection=SimpleNamespace(vendor="sqlite", timezone=UTC)) is False
    assert pg_timestamps.install(connection=SimpleNamespace(vendor="postgresql", timezone=None)) is False
