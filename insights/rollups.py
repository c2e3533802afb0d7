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

from insights import sales
from insights.models import DailyPostFigures, DailyProductFigures, DailyStoreFigures
from shop.events import EventName as N

EVENTS = "insights_event"

# The counters every table has that count events as they come.
_COUNT = "SUM(CASE WHEN name = {n} THEN 1 ELSE 0 END)"
COUNTERS = {
    "tag_taps": _COUNT.format(n=N.TAG_TAP.value),
    "sheet_opens": _COUNT.format(n=N.SHEET_OPEN.value),
    "product_views": _COUNT.format(n=N.PRODUCT_VIEW.value),
    "adds_to_cart": _COUNT.format(n=N.ADD_TO_CART.value),
    "checkouts_started": _COUNT.format(n=N.CHECKOUT_STARTED.value),
    "follows": _COUNT.format(n=N.FOLLOW.value),
    "chats_started": _COUNT.format(n=N.CHAT_STARTED.value),
    "offers_sent": _COUNT.format(n=N.OFFER_SENT.value),
    "offers_accepted": _COUNT.format(n=N.OFFER_ACCEPTED.value),
}
# Impressions with no viewer at all (no user, no visitor id) count once each.
_NO_VIEWER = (
    f"SUM(CASE WHEN name = {N.POST_IMPRESSION.value} AND user_id IS NULL AND visitor IS NULL THEN 1 ELSE 0 END)"
)
_IN_DAY = "at >= %s AND at < %s"

# No COUNT(DISTINCT ...) anywhere: PostgreSQL sorts a whole day's events for one, where a
# DISTINCT sub-query of the few rows concerned is hashed. Each sub-query reads the day once.


def _events(keys: str, where: str, *, group: str = "") -> str:
    """The day's simple counters per ``keys`` (expressions; ``group``: the same, unnamed)."""
    columns = ", ".join(f"{sql} AS {column}" for column, sql in COUNTERS.items())
    return (
        f"SELECT {keys}, {_NO_VIEWER} AS no_viewer, {columns} FROM {EVENTS} "
        f"WHERE {_IN_DAY} {where} GROUP BY {group or keys}"
    )


def _orders(keys: str, where: str, *, named: str = "") -> str:
    """Orders placed and paid, and the paid ones' amounts, each order once per ``keys``
    (expressions; ``named``: their names)."""
    named = named or keys
    return f"""
        SELECT {named},
               SUM(CASE WHEN name = {N.ORDER_PLACED.value} THEN 1 ELSE 0 END) AS orders_placed,
               SUM(CASE WHEN name = {N.ORDER_PAID.value} THEN 1 ELSE 0 END) AS orders_paid,
               SUM(CASE WHEN name = {N.ORDER_PAID.value} THEN amount ELSE 0 END) AS revenue
        FROM (
            SELECT DISTINCT {keys}, name, order_id, amount FROM {EVENTS}
            WHERE {_IN_DAY} AND name IN ({N.ORDER_PLACED.value}, {N.ORDER_PAID.value}) {where}
        ) placed_or_paid GROUP BY {named}
    """


# Once per viewer (a user id, else minus the visitor id: the two never meet) and post.
_POST_IMPRESSIONS = f"""
    SELECT post_id, store_key, COUNT(*) AS impressions FROM (
        SELECT DISTINCT post_id, COALESCE(store_id, 0) AS store_key, COALESCE(user_id, -visitor) AS viewer
        FROM {EVENTS}
        WHERE {_IN_DAY} AND name = {N.POST_IMPRESSION.value} AND post_id IS NOT NULL
          AND (user_id IS NOT NULL OR visitor IS NOT NULL)
    ) seen GROUP BY post_id, store_key
"""

_FIGURES = "impressions, orders_placed, orders_paid, revenue, refunds, " + ", ".join(COUNTERS)


def _figures(impressions: str, **instead: str) -> str:
    """The values of ``_FIGURES`` from sub-queries ``e`` (events), ``o`` (orders); refunds
    come from the attribution (``insights.sales``); ``instead``: other values of counters."""
    return (
        f"{impressions}, COALESCE(o.orders_placed, 0), COALESCE(o.orders_paid, 0), COALESCE(o.revenue, 0), 0, "
        + ", ".join(instead.get(column, f"e.{column}") for column in COUNTERS)
    )


# Adds to cart after a tap of the post's tag (or its sheet, or its product link) on the same
# day, by the same viewer (the same user, or the same visitor), of the same product: the
# post's carts, each add once per post. Two equality joins (by user, by visitor) rather than
# one join on either: each is hashed, where an OR compares every pair of the product's rows.
_CARTS = f"SELECT id, at, product_id, user_id, visitor FROM {EVENTS} WHERE {_IN_DAY} AND name = {N.ADD_TO_CART.value}"
_TAPS = (
    f"SELECT at, post_id, store_id, product_id, user_id, visitor FROM {EVENTS} WHERE {_IN_DAY} "
    f"AND post_id IS NOT NULL AND name IN ({N.TAG_TAP.value}, {N.SHEET_OPEN.value}, {N.PRODUCT_VIEW.value})"
)
_POST_CARTS = f"""
    SELECT post_id, store_key, COUNT(*) AS adds_to_cart FROM (
        SELECT c.id AS cart_event, t.post_id, COALESCE(t.store_id, 0) AS store_key
        FROM ({_CARTS}) c JOIN ({_TAPS}) t
          ON t.product_id = c.product_id AND t.user_id = c.user_id AND t.at <= c.at
        UNION
        SELECT c.id AS cart_event, t.post_id, COALESCE(t.store_id, 0) AS store_key
        FROM ({_CARTS}) c JOIN ({_TAPS}) t
          ON t.product_id = c.product_id AND t.visitor = c.visitor AND t.at <= c.at
    ) carted GROUP BY post_id, store_key
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


def local_day(moment: datetime) -> date:
    """The day (in ``INSIGHTS_TIME_ZONE``) ``moment`` falls on."""
    return moment.astimezone(ZoneInfo(settings.INSIGHTS_TIME_ZONE)).date()


def _post_sql(table: str) -> str:
    """A post's day, per store (a post's own store, or the store of the product tapped)."""
    # A post with no store (a shopper's, before any tap) is keyed by store 0 in the sub-queries:
    # their joins need equal keys, and NULL equals nothing.
    keys, where = "post_id, COALESCE(store_id, 0) AS store_key", "AND post_id IS NOT NULL"
    events = _events(keys, where, group="post_id, COALESCE(store_id, 0)")
    orders = _orders(keys, where, named="post_id, store_key")
    return f"""
        INSERT INTO {table} (post_id, store_id, day, {_FIGURES})
        SELECT e.post_id, NULLIF(e.store_key, 0), %s,
               {_figures("COALESCE(i.impressions, 0) + e.no_viewer", adds_to_cart="COALESCE(c.adds_to_cart, 0)")}
        FROM ({events}) e
        LEFT JOIN ({orders}) o ON o.post_id = e.post_id AND o.store_key = e.store_key
        LEFT JOIN ({_POST_IMPRESSIONS}) i ON i.post_id = e.post_id AND i.store_key = e.store_key
        LEFT JOIN ({_POST_CARTS}) c ON c.post_id = e.post_id AND c.store_key = e.store_key
    """


def _store_sql(table: str, post_table: str) -> str:
    """A store's day; its impressions are the sum of its posts' rows (deduplicated there)."""
    shown = f"SELECT store_id, SUM(impressions) AS impressions FROM {post_table} WHERE day = %s GROUP BY store_id"
    return f"""
        INSERT INTO {table} (store_id, day, {_FIGURES})
        SELECT e.store_id, %s, {_figures("COALESCE(i.impressions, 0)")}
        FROM ({_events("store_id", "AND store_id IS NOT NULL")}) e
        LEFT JOIN ({_orders("store_id", "AND store_id IS NOT NULL")}) o ON o.store_id = e.store_id
        LEFT JOIN ({shown}) i ON i.store_id = e.store_id
    """


def _product_sql(table: str) -> str:
    """A product's day: the events that name it (impressions are a post's, not a product's)."""
    events = _events("product_id, MAX(store_id) AS store_id", "AND product_id IS NOT NULL", group="product_id")
    return f"""
        INSERT INTO {table} (product_id, store_id, day, {_FIGURES})
        SELECT e.product_id, e.store_id, %s, {_figures("0")}
        FROM ({events}) e
        LEFT JOIN ({_orders("product_id", "AND product_id IS NOT NULL")}) o ON o.product_id = e.product_id
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
    sales.credit_missing(*day_bounds(day))
    start, end = (connection.ops.adapt_datetimefield_value(moment) for moment in day_bounds(day))
    day_value = connection.ops.adapt_datefield_value(day)
    post_table = DailyPostFigures._meta.db_table
    store_table = DailyStoreFigures._meta.db_table
    product_table = DailyProductFigures._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The distinct counts sort a day's events: in memory rather than in temporary files
            # (for this transaction only; measured in bench/insights_bench.py). set_config(...,
            # true) is SET LOCAL as a function: a SET statement takes no bound parameter.
            cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.INSIGHTS_ROLLUP_WORK_MEM])
        for table in (post_table, store_table, product_table):
            cursor.execute(f"DELETE FROM {table} WHERE day = %s", [day_value])
        # Posts first: the stores' impressions are summed from their rows.
        # The day's bounds for each sub-query: events, orders, impressions, then the carts' four.
        cursor.execute(_post_sql(post_table), [day_value, *[start, end] * 7])
        posts = cursor.rowcount
        cursor.execute(_store_sql(store_table, post_table), [day_value, start, end, start, end, day_value])
        stores = cursor.rowcount
        cursor.execute(_product_sql(product_table), [day_value, start, end, start, end])
        products = cursor.rowcount
        sales.roll_up(cursor, day=day_value, start=start, end=end)
    return RolledUp(day=day, stores=stores, posts=posts, products=products)


def roll_up_recent_days() -> list[RolledUp]:
    """Yesterday (late events: a drained backlog, a payment confirmed past midnight) and today,
    and the days whose orders were refunded since yesterday (their net figures changed)."""
    current = today()
    days = [current - timedelta(days=1), current]
    refunded = sales.days_refunded_since(day_bounds(days[0])[0])
    older = sorted({local_day(paid) for paid in refunded} - set(days))
    return [roll_up_day(day=day) for day in older if day >= oldest_day_kept()] + [roll_up_day(day=day) for day in days]
