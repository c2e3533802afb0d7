"""Insights on PostgreSQL and Redis: recording throughput through the real path, the daily
rollup of a day of events (twice, compared), and the bytes an event takes on disk.

1. Recording. ``--requests`` simulated requests each record ``--per-request`` events through
   ``shop.events.record`` inside the request context the middleware sets (crawler check,
   viewer ids), then ``flush()`` pushes them to Redis (one RPUSH a request, as at the end of
   a real request). Then ``drain()`` (the periodic task's body) moves them into the event
   table with COPY. Both are timed; the table's count must equal what was recorded (no event
   lost). For scale, the same events are also written straight by the sink (COPY) and by
   Django's ``bulk_create`` in batches of 1,000.

2. Rollup. ``--events`` events of one day (200 stores, 2,500 products, 200,000 posts, 50,000
   visitors; mostly impressions, as on a real feed) are generated in the database with
   ``generate_series``, then ``insights.rollups.roll_up_day`` runs twice; the daily rows of
   the two runs must be identical.

3. Storage: ``pg_total_relation_size`` of the month partition holding the generated day
   (table, BRIN index, TOAST), divided by its rows.

The database (default postgres://postgres@127.0.0.1:5432/etalase_bench_insights) is created
afresh (its name must contain "bench"), migrated, and dropped at the end (``--keep`` keeps
it). Redis: ``--redis-url`` (default redis://127.0.0.1:6379/9); only the events' list is used.

    make bench-insights
    .venv/bin/python bench/insights_bench.py --events 10000000

Results are printed and saved as JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notifications_bench import ROOT, _django, create_database, drop_database

RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/etalase_bench_insights"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


def _count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM insights_event")
        return cursor.fetchone()[0]


def _truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE insights_event")


def bench_recording(requests: int, per_request: int) -> dict:
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from insights.models import Event
    from insights.storage import store_events
    from shop import events
    from shop.events import EventName, Source

    events._redis().delete(events.REDIS_KEY)
    _truncate()
    request = RequestFactory().get("/", headers={"User-Agent": BROWSER})
    request.COOKIES[events.VISITOR_COOKIE] = "123456789"
    request.user = AnonymousUser()
    total = requests * per_request

    began = time.perf_counter()
    for number in range(requests):
        with events.viewing(events.Viewer(request)):
            for k in range(per_request):
                events.record(EventName.POST_IMPRESSION, store_id=k % 200 + 1, post_id=number, source=Source.FOR_YOU)
        events.flush()
    to_redis = time.perf_counter() - began
    assert events.buffered() == 0, "events left in the process"

    began = time.perf_counter()
    drained = 0
    while events.waiting_in_redis():
        drained += events.drain(max_batches=1000, seconds=600)
    to_table = time.perf_counter() - began
    stored = _count()

    batch = [
        events.Event(1, datetime.now(UTC), 2, k % 200 + 1, k, None, None, None, 123456789, None) for k in range(total)
    ]
    _truncate()
    began = time.perf_counter()
    for start in range(0, total, 1000):
        store_events(batch[start : start + 1000])
    copy_seconds = time.perf_counter() - began
    _truncate()
    rows = [
        Event(at=e.at, name=e.name, source=e.source, store_id=e.store_id, post_id=e.post_id, visitor=e.visitor)
        for e in batch
    ]
    began = time.perf_counter()
    Event.objects.bulk_create(rows, batch_size=1000)
    bulk_seconds = time.perf_counter() - began
    _truncate()
    return {
        "events": total,
        "per_request": per_request,
        "record_and_push_per_second": round(total / to_redis),
        "push_ms_per_request": round(to_redis / requests * 1000, 3),
        "drain_to_table_per_second": round(total / to_table),
        "drained": drained,
        "stored": stored,
        "lost": total - stored,
        "sink_copy_per_second_batches_of_1000": round(total / copy_seconds),
        "bulk_create_per_second_batches_of_1000": round(total / bulk_seconds),
    }


GENERATE = """
INSERT INTO insights_event (at, name, source, store_id, post_id, product_id, order_id, user_id, visitor, amount)
SELECT at, name, 2,
       1 + (n %% 200),
       CASE WHEN name IN (1, 2, 3) THEN 1 + (n * 7919) %% 200000 END,
       CASE WHEN name BETWEEN 2 AND 5 THEN 1 + (n * 104729) %% 2500 END,
       CASE WHEN name IN (7, 8) THEN 1 + n / 50 END,
       CASE WHEN n %% 4 = 0 THEN 1 + (n * 31) %% 20000 END,
       1 + (n * 2654435761) %% 50000,
       CASE WHEN name IN (7, 8) THEN 10000000 + (n %% 97) * 100000 END
FROM (
    SELECT n,
           %s::timestamptz + (n::float8 / %s) * interval '1 day' AS at,
           CASE WHEN n %% 100 < 70 THEN 1 WHEN n %% 100 < 80 THEN 2 WHEN n %% 100 < 85 THEN 3
                WHEN n %% 100 < 95 THEN 4 WHEN n %% 100 < 98 THEN 5 WHEN n %% 100 < 99 THEN 6
                WHEN n %% 200 < 199 THEN 7 ELSE 8 END AS name
    FROM generate_series(0::bigint, %s::bigint - 1) AS n
) g
"""


def bench_rollup(count: int) -> dict:
    from django.db import connection

    from insights import partitions, rollups
    from insights.models import DailyPostFigures, DailyProductFigures, DailyStoreFigures

    day = rollups.today() - timedelta(days=1)
    start, _ = rollups.day_bounds(day)
    _truncate()
    partitions.ensure_months({partitions.month_start(day), partitions.add_months(partitions.month_start(day), -1)})
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(GENERATE, [start, count, count])
        cursor.execute("ANALYZE insights_event")
    generated = time.perf_counter() - began

    def snapshot():
        return [
            list(
                model.objects.order_by("pk").values_list(*[f.attname for f in model._meta.fields if f.attname != "id"])
            )
            for model in (DailyStoreFigures, DailyPostFigures, DailyProductFigures)
        ]

    timings = []
    snapshots = []
    for _ in range(2):
        began = time.perf_counter()
        result = rollups.roll_up_day(day=day)
        timings.append(round(time.perf_counter() - began, 2))
        snapshots.append(sorted(map(sorted, snapshot())))
    with connection.cursor() as cursor:
        names = [partitions.partition_name(month) for month in partitions.existing_months()]
        sizes = {}
        for name in names:
            cursor.execute(f"SELECT pg_total_relation_size('{name}'), pg_relation_size('{name}'), count(*) FROM {name}")
            total, heap, rows = cursor.fetchone()
            if rows:
                sizes[name] = {"rows": rows, "total_bytes": total, "heap_bytes": heap}
    stored_rows = sum(s["rows"] for s in sizes.values())
    stored_bytes = sum(s["total_bytes"] for s in sizes.values())
    return {
        "events": count,
        "generate_seconds": round(generated, 1),
        "rollup_seconds": timings,
        "same_rows_twice": snapshots[0] == snapshots[1],
        "rows": {"stores": result.stores, "posts": result.posts, "products": result.products},
        "bytes_per_event": round(stored_bytes / stored_rows, 1) if stored_rows else None,
        "partitions": sizes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_INSIGHTS_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--per-request", type=int, default=10)
    parser.add_argument("--events", type=int, default=2_000_000, help="events in the rolled-up day")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    create_database(args.database_url)
    os.environ["EVENTS_REDIS_URL"] = args.redis_url
    _django(args.database_url)
    try:
        results = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "recording": bench_recording(args.requests, args.per_request),
            "rollup": bench_rollup(args.events),
        }
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.database_url)
    print(json.dumps(results, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"insights-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
