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

4. Dashboard. A year of daily figures for ``--stores`` stores (each day: the store's row, 20
   posts', 20 products', its channels, sources and a campaign; about 10 million rows in all
   with the defaults) is generated, then one store's insights (``store_dashboard``, what its
   page and API read) are read ``--reads`` times for today, 7, 30, 90 and 365 days: p50 and
   p99 in ms, and the number of queries (the same for every period). The paid orders of the
   rolled-up day are credited first, as the payment handler would have (the roll-up credits
   only those it finds uncredited).

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

import recording_under_feed
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


CREDITED = """
INSERT INTO insights_order_attribution
    (order_id, store_id, buyer_id, paid_at, amount, refunded, kind, assists, assist_kinds)
SELECT order_id, MAX(store_id), MAX(user_id), MIN(at), MAX(amount), 0, 0, '[]'::jsonb, 0
FROM insights_event WHERE at >= %s AND at < %s AND name = 8 GROUP BY order_id
"""


def bench_rollup(count: int) -> dict:
    from django.db import connection

    from insights import partitions, rollups
    from insights.models import DailyPostFigures, DailyProductFigures, DailyStoreFigures

    day = rollups.today() - timedelta(days=1)
    start, end = rollups.day_bounds(day)
    _truncate()
    partitions.ensure_months({partitions.month_start(day), partitions.add_months(partitions.month_start(day), -1)})
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(GENERATE, [start, count, count])
        # The day's paid orders, credited when paid (direct: the generated day has no touches).
        cursor.execute(CREDITED, [start, end])
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


# The generated stores (ids from 1,000,001) and the year's days.
STORES_AND_DAYS = (
    "generate_series(1000001, 1000000 + %(stores)s) s, generate_series(%(first)s::date, %(last)s::date, '1 day') d"
)
YEAR_OF_FIGURES = {
    "insights_daily_store": (
        "store_id, day, impressions, tag_taps, sheet_opens, product_views, adds_to_cart, checkouts_started, "
        "orders_placed, orders_paid, revenue, refunds, follows, chats_started, offers_sent, offers_accepted",
        "SELECT s, d, 900 + s, 120, 60, 300, 40, 20, 12, 10, 10 * 15000000, 15000000, 3, 4, 2, 1 "
        f"FROM {STORES_AND_DAYS}",
    ),
    "insights_daily_post": (
        "post_id, store_id, day, impressions, tag_taps, sheet_opens, product_views, adds_to_cart, "
        "checkouts_started, orders_placed, orders_paid, revenue, refunds, follows, chats_started, offers_sent, "
        "offers_accepted",
        "SELECT s * 1000 + ((p + extract(doy FROM d)::int) %% 200), s, d, 50 + p, 8, 4, 2, 1, 0, 0, p %% 2, "
        "(p %% 2) * 15000000, 0, 0, 0, 0, 0 FROM generate_series(1000001, 1000000 + %(stores)s) s, "
        "generate_series(%(first)s::date, %(last)s::date, '1 day') d, generate_series(1, 20) p",
    ),
    "insights_daily_product": (
        "product_id, store_id, day, impressions, tag_taps, sheet_opens, product_views, adds_to_cart, "
        "checkouts_started, orders_placed, orders_paid, revenue, refunds, follows, chats_started, offers_sent, "
        "offers_accepted",
        "SELECT s * 1000 + ((p * 7 + extract(doy FROM d)::int) %% 300), s, d, 0, 5, 3, 15, 2, 0, 0, p %% 3, "
        "(p %% 3) * 9000000, 0, 0, 0, 0, 0 FROM generate_series(1000001, 1000000 + %(stores)s) s, "
        "generate_series(%(first)s::date, %(last)s::date, '1 day') d, generate_series(1, 20) p",
    ),
    "insights_daily_channel": (
        "store_id, day, kind, orders_paid, revenue, refunds, assisted",
        "SELECT s, d, k, 2, 2 * 15000000, 0, 1 FROM generate_series(1000001, 1000000 + %(stores)s) s, "
        "generate_series(%(first)s::date, %(last)s::date, '1 day') d, generate_series(0, 4) k",
    ),
    "insights_daily_source": (
        "store_id, day, source, tag_taps, sheet_opens, product_views",
        "SELECT s, d, src, 20, 10, 50 FROM generate_series(1000001, 1000000 + %(stores)s) s, "
        "generate_series(%(first)s::date, %(last)s::date, '1 day') d, generate_series(0, 6) src",
    ),
    "insights_daily_email": (
        "kind, ref_id, store_id, day, sent, delivered, clicked, orders_paid, revenue, refunds",
        f"SELECT 1, s * 100 + (extract(doy FROM d)::int %% 12), s, d, 520, 500, 40, 2, 2 * 15000000, 0 "
        f"FROM {STORES_AND_DAYS}",
    ),
}


def bench_dashboard(stores: int, reads: int) -> dict:
    """A year of daily figures for ``stores`` stores, then one store's insights read ``reads``
    times per period: p50/p99 ms and the queries of one read."""
    import statistics

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.models import Store
    from insights.periods import period_from
    from insights.rollups import today
    from insights.selectors.store import store_dashboard
    from shop.models import User

    first, last = today() - timedelta(days=364), today()
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for table, (columns, select) in YEAR_OF_FIGURES.items():
            cursor.execute(f"TRUNCATE {table}")
            params = {"stores": stores, "first": first, "last": last}
            cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)
        cursor.execute("SELECT count(*) FROM insights_daily_post")
        post_rows = cursor.fetchone()[0]
        for table in YEAR_OF_FIGURES:
            cursor.execute(f"ANALYZE {table}")
    generated = time.perf_counter() - began
    # The store read is a real one: the generated stores' ids start at 1,000,001; one becomes it.
    owner = User.objects.create_user(username="bench-seller", email="bench-seller@example.com", password="x")
    store = Store.objects.create(owner=owner, name="Bench store", slug="bench-store")
    with connection.cursor() as cursor:
        for table in YEAR_OF_FIGURES:
            cursor.execute(f"UPDATE {table} SET store_id = %s WHERE store_id = %s", [store.pk, 1_000_000 + stores // 2])
    store_dashboard(store=store, period=period_from(key="30d"))  # warm
    periods = {}
    for key, params in (
        ("today", {"key": "today"}),
        ("7d", {"key": "7d"}),
        ("30d", {"key": "30d"}),
        ("90d", {"key": "90d"}),
        ("365d", {"key": "custom", "start": first.isoformat(), "end": last.isoformat()}),
    ):
        period = period_from(**params)
        with CaptureQueriesContext(connection) as queries:
            store_dashboard(store=store, period=period)
        timings = []
        for _ in range(reads):
            began = time.perf_counter()
            store_dashboard(store=store, period=period)
            timings.append((time.perf_counter() - began) * 1000)
        timings.sort()
        periods[key] = {
            "queries": len(queries),
            "min_ms": round(timings[0], 2),
            "p50_ms": round(statistics.median(timings), 2),
            "p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))], 2),
        }
    return {
        "stores": stores,
        "days": 365,
        "post_rows": post_rows,
        "generate_seconds": round(generated, 1),
        "reads_per_period": reads,
        # Other work on the machine inflates the times: its load while reading (1, 5, 15 min).
        "load_average": [round(load, 1) for load in os.getloadavg()],
        "periods": periods,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_INSIGHTS_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--per-request", type=int, default=10)
    parser.add_argument("--events", type=int, default=2_000_000, help="events in the rolled-up day")
    parser.add_argument("--stores", type=int, default=200, help="stores with a year of daily figures")
    parser.add_argument("--reads", type=int, default=50, help="dashboard reads per period")
    parser.add_argument("--only-dashboard", action="store_true", help="skip recording and the rollup")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--skip-under-feed", action="store_true", help="skip recording under the feed benchmark")
    parser.add_argument("--only-under-feed", action="store_true", help="only recording under the feed benchmark")
    recording_under_feed.add_arguments(parser)
    args = parser.parse_args()

    under_feed = None
    if not args.skip_under_feed:
        # First, on its own database and Redis, before this benchmark's database is made.
        under_feed = recording_under_feed.measure(args)
        recording_under_feed.print_summary(under_feed, args)
        if args.only_under_feed:
            _save({"when": datetime.now(UTC).isoformat(timespec="seconds"), "under_feed": under_feed})
            return

    create_database(args.database_url)
    os.environ["EVENTS_REDIS_URL"] = args.redis_url
    _django(args.database_url)
    try:
        results = {"when": datetime.now(UTC).isoformat(timespec="seconds")}
        if not args.only_dashboard:
            results["recording"] = bench_recording(args.requests, args.per_request)
            results["rollup"] = bench_rollup(args.events)
        results["dashboard"] = bench_dashboard(args.stores, args.reads)
        if under_feed is not None:
            results["under_feed"] = under_feed
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.database_url)
    print(json.dumps(results, indent=2))
    _save(results)


def _save(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"insights-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
