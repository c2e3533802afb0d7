"""insights: the event table (partitioned by month on PostgreSQL) and the sink that fills it."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection

from insights import partitions
from insights.models import Event
from insights.tasks import drain_events_task, maintain_partitions_task
from shop import events
from shop.events import EventName, Source

pytestmark = pytest.mark.django_db


def _partition_of(event_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM insights_event WHERE id = %s", [event_id])
        return cursor.fetchone()[0]


def test_a_flush_stores_every_column(no_redis):
    # given an order paid, recorded with all its ids
    at = datetime(2026, 11, 30, 17, 0, 0, 123456, tzinfo=UTC)
    events.record(
        EventName.ORDER_PAID, store_id=3, product_id=4, order_id=5, user_id=6, visitor=7, amount=150_000, at=at
    )
    # when the buffer is flushed through the sink insights registered
    assert events.flush() == 1
    # then the row holds it
    row = Event.objects.get()
    assert (row.name, row.at, row.source, row.store_id, row.product_id, row.order_id) == (8, at, 0, 3, 4, 5)
    assert (row.user_id, row.visitor, row.amount, row.post_id) == (6, 7, 150_000, None)


def test_events_go_to_their_months_partition_made_when_needed(postgres_only, no_redis):
    # given events either side of a month's end (UTC), in months no partition exists for yet
    late = datetime(2031, 1, 31, 23, 59, 59, tzinfo=UTC)
    early = datetime(2031, 2, 1, 0, 0, 0, tzinfo=UTC)
    events.record(EventName.FOLLOW, store_id=1, at=late)
    events.record(EventName.FOLLOW, store_id=2, at=early)
    # when they are stored
    events.flush()
    # then each is in its month's partition
    by_store = dict(Event.objects.values_list("store_id", "id"))
    assert _partition_of(by_store[1]) == "insights_event_p203101"
    assert _partition_of(by_store[2]) == "insights_event_p203102"


def test_the_table_is_partitioned_by_time_with_no_index_but_brin(postgres_only):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_partkeydef('insights_event'::regclass)")
        assert cursor.fetchone()[0] == "RANGE (at)"
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'insights_event'")
        assert [row[0] for row in cursor.fetchall()] == [
            "CREATE INDEX insights_event_at_brin ON ONLY public.insights_event USING brin (at)"
        ]


def test_partitions_are_made_ahead_and_dropped_after_the_retention(postgres_only, settings):
    # given partitions from January 2030 to June 2031 and a retention of 12 months
    settings.INSIGHTS_RETENTION_MONTHS = 12
    partitions.ensure_months({partitions.add_months(date(2030, 1, 1), n) for n in range(18)})
    today = date(2031, 6, 15)
    # when the maintenance runs in June 2031
    made = partitions.ensure_ahead(today)
    # (a browser test may have committed this month's partition: older than 2030, dropped too)
    dropped = [month for month in partitions.drop_expired(today) if month.year >= 2030]
    # then July to September are made, and the months before June 2030 dropped
    assert made == [date(2031, 7, 1), date(2031, 8, 1), date(2031, 9, 1)]
    assert dropped == [partitions.add_months(date(2030, 1, 1), n) for n in range(5)]
    months = partitions.existing_months()
    assert date(2030, 6, 1) in months and date(2030, 5, 1) not in months
    # and running it again changes nothing
    assert partitions.ensure_ahead(today) == [] and partitions.drop_expired(today) == []


def test_the_maintenance_task_makes_this_month(postgres_only):
    maintain_partitions_task()
    assert partitions.month_start(datetime.now(UTC).date()) in partitions.existing_months()


def test_the_drain_task_moves_redis_to_the_table(events_redis):
    # given two requests' events pushed to Redis
    for post_id in (10, 11):
        events.record(EventName.POST_IMPRESSION, post_id=post_id, visitor=1, source=Source.HASHTAG)
        events.flush()
    # when the periodic task runs
    drain_events_task()
    # then they are rows, and Redis is empty
    assert sorted(Event.objects.values_list("post_id", "source")) == [(10, 3), (11, 3)]
    assert events.waiting_in_redis() == 0
