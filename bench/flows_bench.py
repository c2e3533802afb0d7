"""Flows at scale on PostgreSQL: one evaluation of every flow's due steps with ``--contacts``
(1,000,000) contacts, each enrolled in one of a store's six flows (issue 19's target: under
10 s), with production settings (``DJANGO_ENV=production``).

The data is ``campaign_bench.generate_segment_data``'s store (contacts with email and user
identities, consent rows: 90 % confirmed, 6 % only asked, 4 % withdrawn, a few suppressed;
paid orders over the last year; follows), plus, set-based: the store's six flows switched on
(``ensure_flows``: their default steps), and one active enrolment per contact in flow
``g % 6``, enrolled 30 days ago, at its first step; ``--due-percent`` (10 %) of them, drawn at
random (not by ``g``, which the consent states and the flows follow), due now, the rest due over
the next weeks. Their trigger rows are what the kinds read: the product
(browse, back in stock: its variant in stock), one of the contact's orders (after delivery) or
none (abandoned cart: no cart, so those leave with "cart_changed").

Measured, each with its statement count (``CaptureQueriesContext``) and the load average:

1. ``engine.evaluate``: the set-based exits of every due enrolment (not mailable, ordered since
   enrolling, ...), the claim of the rest (one ``UPDATE ... RETURNING``) and their hand-over
   to Redis in chunks of ``MARKETING_FLOW_CHUNK_SIZE`` (real ``publish`` calls to
   ``--redis-url``'s queue, purged afterwards; no worker runs: sending is measured by
   ``bench-campaign``). The target.
2. The next minute's evaluation (nothing newly due: what every other minute costs).
3. ``triggers.scan``: the periodic triggers (win-back over the store's contacts, browse
   abandonment, abandoned carts), reported apart: they enrol, they do not send.

The database (default postgres://postgres@127.0.0.1:5432/etalase_bench_flows) is created
afresh, migrated, filled and dropped at the end (``--keep`` keeps it).

    make bench-flows
    make bench-flows BENCH_ARGS="--contacts 20000"

Results are printed and saved as JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from campaign_bench import (  # noqa: E402
    _django,
    create_database,
    drop_database,
    generate_segment_data,
    load,
    production_env,
)

RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/etalase_bench_flows"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"


def generate_enrolments(data: dict, due_percent: int) -> dict:
    """Every contact of the store enrolled in one of its six flows, set-based."""
    from django.db import connection

    from catalog.models import ProductVariant, Store
    from marketing.flows.defaults import ensure_flows, switch

    began = time.perf_counter()
    store = Store.objects.get(pk=data["store_id"])
    flows = [switch(flow=flow, enabled=True) for flow in ensure_flows(store=store)]
    flow_ids = [flow.pk for flow in flows]
    kinds = [flow.kind for flow in flows]
    variant = ProductVariant.objects.filter(product_id=data["product_id"]).first()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_contacts AS SELECT id, row_number() OVER (ORDER BY id) AS g"
            " FROM marketing_contact WHERE store_id = %s",
            [store.pk],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_order_of AS SELECT DISTINCT ON (i.contact_id) i.contact_id, o.id AS order_id"
            " FROM marketing_identity i JOIN checkout_order o ON o.buyer_id = i.user_id AND o.store_id = i.store_id"
            " WHERE i.store_id = %s AND i.kind = 'user' ORDER BY i.contact_id, o.id",
            [store.pk],
        )
        cursor.execute(
            "INSERT INTO marketing_enrolment (flow_id, store_id, contact_id, trigger_key, order_id, product_id,"
            " variant_id, cart_id, state, position, due_at, enrolled_at, finished_at, exit_reason, claimed_at)"
            " SELECT (%s::bigint[])[1 + c.g %% 6], %s, c.id, 'bench:' || c.g,"
            " CASE WHEN (%s::text[])[1 + c.g %% 6] = 'post_delivery' THEN oo.order_id END,"
            " CASE WHEN (%s::text[])[1 + c.g %% 6] IN ('browse', 'back_in_stock') THEN %s END,"
            " CASE WHEN (%s::text[])[1 + c.g %% 6] = 'back_in_stock' THEN %s END,"
            " NULL, 'active', 1,"
            " CASE WHEN random() < %s THEN now() - (c.g %% 60) * interval '1 minute'"
            " ELSE now() + (1 + c.g %% 40000) * interval '1 minute' END,"
            " now() - interval '30 days', NULL, '', NULL"
            " FROM bench_contacts c LEFT JOIN bench_order_of oo ON oo.contact_id = c.id",
            [
                flow_ids,
                store.pk,
                kinds,
                kinds,
                data["product_id"],
                kinds,
                variant.pk if variant else None,
                due_percent / 100,
            ],
        )
        cursor.execute("DROP TABLE bench_contacts, bench_order_of")
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE due_at <= now()) FROM marketing_enrolment")
        total, due = cursor.fetchone()
    return {"enrolments": total, "due": due, "seconds": round(time.perf_counter() - began, 1)}


def timed(label: str, call) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    before = load()
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - began
    row = {
        "what": label,
        "seconds": round(seconds, 3),
        "statements": len(queries.captured_queries),
        "result": result,
        "load_before": before,
        "load_after": load(),
    }
    print(f"  {label}: {row['seconds']} s, {row['statements']} statements, {result}")
    print(f"    load {before} -> {row['load_after']}")
    return row


def purge(redis_url: str) -> int:
    import redis

    client = redis.Redis.from_url(redis_url)
    removed = client.llen("celery")
    client.delete("celery")
    return removed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_FLOWS_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_FLOWS_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--due-percent", type=int, default=10, help="share of the enrolments due now")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    env = production_env(args.database_url, args.redis_url)
    database = create_database(args.database_url, env)
    results: dict = {"when": datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count()}
    try:
        _django(env)
        from django.db import connection
        from django.utils import timezone

        from marketing.flows import engine, triggers

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            results["postgresql"] = cursor.fetchone()[0]
        print(f"{database} (PostgreSQL {results['postgresql']}), Redis {args.redis_url}, load {load()} at the start")
        data = generate_segment_data(args.contacts)
        print(f"  contacts generated in {data['seconds']} s: {data['users']} users, {data['paid_orders']} paid orders")
        enrolments = generate_enrolments(data, args.due_percent)
        print(f"  {enrolments['enrolments']} enrolments ({enrolments['due']} due) in {enrolments['seconds']} s")
        results["data"] = {**data, **enrolments}
        purge(args.redis_url)
        now = timezone.now()
        results["evaluate"] = timed("one evaluation of every flow's due steps", lambda: engine.evaluate(now=now))
        results["evaluate"]["tasks_queued"] = purge(args.redis_url)
        later = now + timedelta(minutes=1)
        results["evaluate_next_minute"] = timed("the next minute's evaluation", lambda: engine.evaluate(now=later))
        purge(args.redis_url)
        results["scan"] = timed("the periodic triggers' scan", lambda: triggers.scan(now=later))
        connection.close()
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"flows-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nSaved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
