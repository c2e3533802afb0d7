"""Storing batches of events: the sink ``shop.events`` hands them to."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction

from insights import attribution, partitions
from shop.events import Event

# The table's columns in the order the batch is written (``id`` is made by the database).
COLUMNS = (
    "at",
    "name",
    "source",
    "store_id",
    "post_id",
    "product_id",
    "order_id",
    "user_id",
    "visitor",
    "amount",
    "ref_id",
)


def _rows(events: Sequence[Event], adapt_time=lambda at: at) -> list[tuple]:
    return [
        (
            adapt_time(e.at),
            e.name,
            e.source,
            e.store_id,
            e.post_id,
            e.product_id,
            e.order_id,
            e.user_id,
            e.visitor,
            e.amount,
            e.ref_id,
        )
        for e in events
    ]


def store_events(events: Sequence[Event]) -> None:
    """Insert ``events`` in one transaction: all of them or, raising, none.

    PostgreSQL takes them through ``COPY`` (several times faster than ``INSERT``s), after
    making any month partition they need; other databases through one ``executemany``. The
    touches among them (``insights.attribution``) are stored in the same transaction."""
    if not events:
        return
    with transaction.atomic():
        attribution.store_touches(events)
        if partitions.partitioned():
            partitions.ensure_months({partitions.month_start(event.at) for event in events})
            _copy(events)
        else:
            placeholders = ", ".join(["%s"] * len(COLUMNS))
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {partitions.TABLE} ({', '.join(COLUMNS)}) VALUES ({placeholders})",
                    # As Django writes times there (UTC, one text format): the rollups compare them.
                    _rows(events, connection.ops.adapt_datetimefield_value),
                )


def _copy(events: Sequence[Event]) -> None:
    # Django's cursor wrapper has no COPY: psycopg's cursor under it (same connection and transaction).
    sql = f"COPY {partitions.TABLE} ({', '.join(COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in _rows(events):
            copy.write_row(row)
