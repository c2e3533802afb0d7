"""Daily figures per store, post and product, recomputed from the events.

``roll_up_day(day=...)`` recomputes one day (cut at midnight in ``INSIGHTS_TIME_ZONE``) in one
transaction: it deletes the day's rows and inserts them again from the events, with one
``INSERT ... SELECT`` per table, so the figures never pass through Python and running it twice
gives the same rows. The SQL is plain enough for PostgreSQL and SQLite alike.

What is counted:

- impressions once per viewer, post and day (the viewer is the signed-in user, else the
  visitor id; an impression with neither counts once each). A store's impressions are the sum
  of its posts' rows, so the dedupe is written once;
- orders placed and paid as distinct orders, and revenue as the sum of distinct paid orders'
  amounts, so an event delivered twice (the Redis drain is at least once) counts once;
- the other events as they come (crawlers were never recorded).

Posts are keyed by post and store: a shopper's post tagging two stores' products counts for
each store it sent a tap to. A product's row counts the events that name it (views, sheet
opens, tag taps, adds to cart); orders per product come with attribution.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from insights.models import DailyPostFigures, DailyProductFigures, DailyStoreFigures
from shop.events import EventName as N

EVENTS = "insights_event"

# The counters every table has, and how each is computed from the day's events.
_COUNT = "SUM(CASE WHEN name = {n} THEN 1 ELSE 0 END)"
COUNTERS = {
    "tag_taps": _COUNT.format(n=N.TAG_TAP.value),
    "sheet_opens": _COUNT.format(n=N.SHEET_OPEN.value),
    "product_views": _COUNT.format(n=N.PRODUCT_VIEW.value),
    "adds_to_cart": _COUNT.format(n=N.ADD_TO_CART.value),
    "checkouts_started": _COUNT.format(n=N.CHECKOUT_STARTED.value),
    "orders_placed": f"COUNT(DISTINCT CASE WHEN name = {N.ORDER_PLACED.value} THEN order_id END)",
    "orders_paid": f"COUNT(DISTINCT CASE WHEN name = {N.ORDER_PAID.value} THEN order_id END)",
    "follows": _COUNT.format(n=N.FOLLOW.value),
}
# Once per viewer (a user id, else minus the visitor id: the two never meet) and post.
IMPRESSIONS = (
    f"COUNT(DISTINCT CASE WHEN name = {N.POST_IMPRESSION.value} THEN COALESCE(user_id, -visitor) END)"
    f" + SUM(CASE WHEN name = {N.POST_IMPRESSION.value} AND user_id IS NULL AND visitor IS NULL THEN 1 ELSE 0 END)"
)
# Each paid order's amount once, per key (the key's column, or columns).
_PAID = f"""
    SELECT {{key}}, SUM(amount) AS revenue FROM (
        SELECT DISTINCT {{key}}, order_id, amount FROM {EVENTS}
        WHERE at >= %s AND at < %s AND name = {N.ORDER_PAID.value} AND {{present}}
    ) paid GROUP BY {{key}}
"""


@dataclass(frozen=True)
class RolledUp:
    day: date
    stores: int
    posts: int
    products: int


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first instant of ``day`` and of the next, in ``INSIGHTS_TIME_ZONE``."""
    zone = ZoneInfo(settings.INSIGHTS_TIME_ZONE)
    return datetime.combine(day, time.min, tzinfo=zone), datetime.combine(
        day + timedelta(days=1), time.min, tzinfo=zone
    )


def today() -> date:
    return datetime.now(ZoneInfo(settings.INSIGHTS_TIME_ZONE)).date()


def _counters(alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{column}" for column in COUNTERS)


def _post_sql(table: str) -> str:
    return f"""
        INSERT INTO {table} (post_id, store_id, day, impressions, revenue, {_counters()})
        SELECT e.post_id, e.store_id, %s, e.impressions, COALESCE(p.revenue, 0), {_counters("e")}
        FROM (
            SELECT post_id, store_id, {IMPRESSIONS} AS impressions,
                   {", ".join(f"{sql} AS {column}" for column, sql in COUNTERS.items())}
            FROM {EVENTS} WHERE at >= %s AND at < %s AND post_id IS NOT NULL
            GROUP BY post_id, store_id
        ) e
        LEFT JOIN ({_PAID.format(key="post_id, store_id", present="post_id IS NOT NULL")}) p
            ON p.post_id = e.post_id AND p.store_id = e.store_id
    """


def _keyed_sql(table: str, key: str, impressions: str) -> str:
    """A store's or a product's day: its events, its paid orders, its impressions (``impressions``:
    a sub-query giving ``key`` and ``impressions`` for the day, or None)."""
    joined = f"LEFT JOIN ({impressions}) i ON i.{key} = e.{key}" if impressions else ""
    shown = "COALESCE(i.impressions, 0)" if impressions else "0"
    store = "e.store_id" if key != "store_id" else ""
    return f"""
        INSERT INTO {table} ({key}, {"store_id, " if store else ""}day, impressions, revenue, {_counters()})
        SELECT e.{key}, {store + ", " if store else ""}%s, {shown}, COALESCE(p.revenue, 0), {_counters("e")}
        FROM (
            SELECT {key}, {"MAX(store_id) AS store_id, " if store else ""}
                   {", ".join(f"{sql} AS {column}" for column, sql in COUNTERS.items())}
            FROM {EVENTS} WHERE at >= %s AND at < %s AND {key} IS NOT NULL
            GROUP BY {key}
        ) e
        LEFT JOIN ({_PAID.format(key=key, present=f"{key} IS NOT NULL")}) p ON p.{key} = e.{key}
        {joined}
    """


class DayExpired(ValueError):
    """The day's events are past the retention: recomputing would wipe its figures."""


def oldest_day_kept() -> date:
    """The first day whose events are still kept (``INSIGHTS_RETENTION_MONTHS``, in whole months)."""
    from insights.partitions import add_months, month_start

    # A day from its zone's midnight; the partitions are cut in UTC, a few hours apart: a day
    # later keeps the whole of the day on the safe side.
    return add_months(month_start(today()), -settings.INSIGHTS_RETENTION_MONTHS) + timedelta(days=1)


@transaction.atomic
def roll_up_day(*, day: date) -> RolledUp:
    """Recompute ``day``'s figures from the events (idempotent: the day's rows are replaced).
    ``DayExpired`` for a day whose events may be gone: its figures are kept as they are."""
    if day < oldest_day_kept():
        raise DayExpired(f"The events of {day} are past INSIGHTS_RETENTION_MONTHS; its figures are kept.")
    start, end = (connection.ops.adapt_datetimefield_value(moment) for moment in day_bounds(day))
    day_value = connection.ops.adapt_datefield_value(day)
    post_table = DailyPostFigures._meta.db_table
    store_table = DailyStoreFigures._meta.db_table
    product_table = DailyProductFigures._meta.db_table
    store_impressions = (
        f"SELECT store_id, SUM(impressions) AS impressions FROM {post_table} "
        "WHERE day = %s AND store_id IS NOT NULL GROUP BY store_id"
    )
    with connection.cursor() as cursor:
        for table in (post_table, store_table, product_table):
            cursor.execute(f"DELETE FROM {table} WHERE day = %s", [day_value])
        # Posts first: the stores' impressions are summed from their rows.
        cursor.execute(_post_sql(post_table), [day_value, start, end, start, end])
        posts = cursor.rowcount
        cursor.execute(
            _keyed_sql(store_table, "store_id", store_impressions), [day_value, start, end, start, end, day_value]
        )
        stores = cursor.rowcount
        cursor.execute(_keyed_sql(product_table, "product_id", None), [day_value, start, end, start, end])
        products = cursor.rowcount
    return RolledUp(day=day, stores=stores, posts=posts, products=products)


def roll_up_recent_days() -> list[RolledUp]:
    """Yesterday (late events: a drained backlog, a payment confirmed past midnight) and today."""
    current = today()
    return [roll_up_day(day=current - timedelta(days=1)), roll_up_day(day=current)]
