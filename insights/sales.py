"""The day's sales in the daily figures, from the orders' attribution (``insights.attribution``).

``roll_up_day`` (``insights.rollups``) calls ``credit_missing`` first (a paid order whose
credit was lost, the handler having failed, is credited from its ``order_paid`` event), then,
inside its transaction and after the event counts, ``roll_up``:

- a post's orders paid, revenue and refunds are those of the orders credited to it (the
  store's own post or a shopper's post that tagged its product);
- a product's, those of the paid orders' lines of the product (lines' totals: shipping is
  the order's, not a product's);
- a store's refunds (its orders paid and revenue are counted from the events);
- per store and kind of touch (direct, post, shopper's post, chat, campaign, flow): orders credited,
  revenue, refunds, and orders the kind assisted (``DailyChannelFigures``);
- per email (a campaign's or a flow's: ``EMAIL_EVENTS`` and ``EMAIL_TOUCHES``): sent,
  delivered, clicked (events), and the orders credited to it;
- per store and source: taps, sheet opens and product views.

Every figure is of the orders *paid* on the day: a refund later reduces its payment day's net
(``roll_up_recent_days`` rolls those days up again). Plain SQL for PostgreSQL and SQLite
(``ON CONFLICT ... DO UPDATE``: the row of a post or product may exist from the events).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef

from checkout.models import OrderLine
from insights import attribution
from insights.models import (
    DailyChannelFigures,
    DailyEmailFigures,
    DailyFigures,
    DailyPostFigures,
    DailyProductFigures,
    DailySourceFigures,
    DailyStoreFigures,
    EmailKind,
    Event,
    OrderAttribution,
    TouchKind,
)
from shop.events import EventName as N

ATTRIBUTED = OrderAttribution._meta.db_table
EVENTS = Event._meta.db_table
_IN_DAY = "paid_at >= %s AND paid_at < %s"
# Every figure column of the daily tables, in one order.
FIGURE_COLUMNS = [
    field.column for field in DailyFigures._meta.get_fields() if field.name not in ("id", "day", "store_id")
]


def _upsert(table: str, keys: dict[str, str], values: dict[str, str], select_from: str, conflict: list[str]) -> str:
    """``INSERT`` rows of ``table`` with ``keys`` and ``values`` (column: SQL; other figures 0)
    from ``select_from``; on ``conflict`` only those ``values`` are replaced."""
    columns = [*keys, "day", *FIGURE_COLUMNS]
    selected = [*keys.values(), "%s", *(values.get(column, "0") for column in FIGURE_COLUMNS)]
    updates = ", ".join(f"{column} = excluded.{column}" for column in values)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(selected)} {select_from} "
        f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {updates}"
    )


_SOLD = {"orders_paid": "COUNT(*)", "revenue": "SUM(amount)", "refunds": "SUM(refunded)"}

_POSTS = _upsert(
    DailyPostFigures._meta.db_table,
    {"post_id": "post_id", "store_id": "store_id"},
    _SOLD,
    f"FROM {ATTRIBUTED} WHERE {_IN_DAY} AND post_id IS NOT NULL "
    f"AND kind IN ({TouchKind.POST.value}, {TouchKind.SHOPPER_POST.value}) GROUP BY post_id, store_id",
    ["post_id", "store_id", "day"],
)

_PRODUCTS = _upsert(
    DailyProductFigures._meta.db_table,
    {"product_id": "product_id", "store_id": "MAX(store_id)"},
    {"orders_paid": "COUNT(*)", "revenue": "SUM(total)", "refunds": "SUM(refunded_total)"},
    f"""FROM (
        SELECT l.product_id, a.store_id, a.order_id, SUM(l.line_total) AS total,
               SUM(CASE WHEN a.refunded > 0 THEN l.line_total ELSE 0 END) AS refunded_total
        FROM {ATTRIBUTED} a JOIN {OrderLine._meta.db_table} l ON l.order_id = a.order_id
        WHERE a.{_IN_DAY} AND l.product_id IS NOT NULL
        GROUP BY l.product_id, a.store_id, a.order_id
    ) lines GROUP BY product_id""",
    ["product_id", "day"],
)

_STORES = _upsert(
    DailyStoreFigures._meta.db_table,
    {"store_id": "store_id"},
    {"refunds": "SUM(refunded)"},
    f"FROM {ATTRIBUTED} WHERE {_IN_DAY} GROUP BY store_id HAVING SUM(refunded) > 0",
    ["store_id", "day"],
)

_KINDS = " UNION ALL ".join(f"SELECT {kind.value} AS kind, {1 << kind.value} AS bit" for kind in TouchKind)
_CHANNELS = f"""
    INSERT INTO {DailyChannelFigures._meta.db_table} (store_id, day, kind, orders_paid, revenue, refunds, assisted)
    SELECT a.store_id, %s, k.kind,
           SUM(CASE WHEN a.kind = k.kind THEN 1 ELSE 0 END),
           SUM(CASE WHEN a.kind = k.kind THEN a.amount ELSE 0 END),
           SUM(CASE WHEN a.kind = k.kind THEN a.refunded ELSE 0 END),
           SUM(CASE WHEN (a.assist_kinds & k.bit) <> 0 THEN 1 ELSE 0 END)
    FROM {ATTRIBUTED} a CROSS JOIN ({_KINDS}) k
    WHERE a.{_IN_DAY}
    GROUP BY a.store_id, k.kind
    HAVING SUM(CASE WHEN a.kind = k.kind OR (a.assist_kinds & k.bit) <> 0 THEN 1 ELSE 0 END) > 0
"""

# The events of marketing email, each as (what sent it, the figure it counts); ``ref_id`` the
# campaign or the flow. Clicked again is a touch only (attribution), not a figure.
EMAIL_EVENTS: dict[N, tuple[EmailKind, str]] = {
    N.CAMPAIGN_EMAIL_SENT: (EmailKind.CAMPAIGN, "sent"),
    N.CAMPAIGN_EMAIL_DELIVERED: (EmailKind.CAMPAIGN, "delivered"),
    N.CAMPAIGN_EMAIL_CLICKED: (EmailKind.CAMPAIGN, "clicked"),  # a person's first click
    N.FLOW_EMAIL_SENT: (EmailKind.FLOW, "sent"),
    N.FLOW_EMAIL_DELIVERED: (EmailKind.FLOW, "delivered"),
    N.FLOW_EMAIL_CLICKED: (EmailKind.FLOW, "clicked"),  # the first click of each email sent
}
# The touches an order is credited to that are emails (``ref_id`` the campaign or the flow).
EMAIL_TOUCHES: dict[TouchKind, EmailKind] = {TouchKind.CAMPAIGN: EmailKind.CAMPAIGN, TouchKind.FLOW: EmailKind.FLOW}

_EMAIL_TABLE = DailyEmailFigures._meta.db_table
_EMAIL_COLUMNS = "kind, ref_id, store_id, day, sent, delivered, clicked, orders_paid, revenue, refunds"


def _email_events_sql() -> str:
    kind = " ".join(f"WHEN {name.value} THEN {kind.value}" for name, (kind, _) in EMAIL_EVENTS.items())
    counts = []
    for column in ("sent", "delivered", "clicked"):
        names = [str(name.value) for name, (_, counted) in EMAIL_EVENTS.items() if counted == column]
        counts.append(f"SUM(CASE WHEN name IN ({', '.join(names)}) THEN 1 ELSE 0 END)" if names else "0")
    return f"""
    INSERT INTO {_EMAIL_TABLE} ({_EMAIL_COLUMNS})
    SELECT kind, ref_id, MAX(store_id), %s, {", ".join(counts)}, 0, 0, 0
    FROM (
        SELECT CASE name {kind} END AS kind, name, ref_id, store_id FROM {EVENTS}
        WHERE at >= %s AND at < %s AND ref_id IS NOT NULL AND store_id IS NOT NULL
          AND name IN ({", ".join(str(name.value) for name in EMAIL_EVENTS)})
    ) email
    GROUP BY kind, ref_id
"""


def _email_sales_sql() -> str:
    kind = " ".join(f"WHEN {touch.value} THEN {email.value}" for touch, email in EMAIL_TOUCHES.items())
    return f"""
    INSERT INTO {_EMAIL_TABLE} ({_EMAIL_COLUMNS})
    SELECT CASE kind {kind} END, ref_id, MAX(store_id), %s, 0, 0, 0, COUNT(*), SUM(amount), SUM(refunded)
    FROM {ATTRIBUTED}
    WHERE {_IN_DAY} AND kind IN ({", ".join(str(touch.value) for touch in EMAIL_TOUCHES)}) AND ref_id IS NOT NULL
    GROUP BY kind, ref_id
    ON CONFLICT (kind, ref_id, day) DO UPDATE SET
        orders_paid = excluded.orders_paid, revenue = excluded.revenue, refunds = excluded.refunds
"""


_EMAIL_EVENTS = _email_events_sql()
_EMAIL_SALES = _email_sales_sql()

_SOURCES = f"""
    INSERT INTO {DailySourceFigures._meta.db_table} (store_id, day, source, tag_taps, sheet_opens, product_views)
    SELECT store_id, %s, source,
           SUM(CASE WHEN name = {N.TAG_TAP.value} THEN 1 ELSE 0 END),
           SUM(CASE WHEN name = {N.SHEET_OPEN.value} THEN 1 ELSE 0 END),
           SUM(CASE WHEN name = {N.PRODUCT_VIEW.value} THEN 1 ELSE 0 END)
    FROM {EVENTS}
    WHERE at >= %s AND at < %s AND store_id IS NOT NULL
      AND name IN ({N.TAG_TAP.value}, {N.SHEET_OPEN.value}, {N.PRODUCT_VIEW.value})
    GROUP BY store_id, source
"""


def roll_up(cursor, *, day, start, end) -> None:
    """The day's sales into the figures (``day``, ``start``, ``end``: adapted for the database;
    the caller deleted the day's rows of the post, product and store tables)."""
    for model in (DailyChannelFigures, DailyEmailFigures, DailySourceFigures):
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE day = %s", [day])
    cursor.execute(_POSTS, [day, start, end])
    cursor.execute(_PRODUCTS, [day, start, end])
    cursor.execute(_STORES, [day, start, end])
    cursor.execute(_CHANNELS, [day, start, end])
    cursor.execute(_EMAIL_EVENTS, [day, start, end])
    cursor.execute(_EMAIL_SALES, [day, start, end])
    cursor.execute(_SOURCES, [day, start, end])


def credit_missing(start: datetime, end: datetime) -> int:
    """Credit the orders paid between ``start`` and ``end`` (their ``order_paid`` events) that
    were not credited when paid; returns how many."""
    credited = OrderAttribution.objects.filter(order_id=OuterRef("order_id"), paid_at__isnull=False)
    missing = (
        Event.objects.filter(at__gte=start, at__lt=end, name=N.ORDER_PAID.value, order_id__isnull=False)
        .filter(store_id__isnull=False)
        .filter(~Exists(credited))
        .values_list("order_id", "store_id", "user_id", "amount", "at")
        .order_by("at")
    )
    done = set()
    for order_id, store_id, user_id, amount, at in missing:
        if order_id in done:
            continue
        done.add(order_id)
        attribution.credit_paid(order_id=order_id, store_id=store_id, buyer_id=user_id, amount=amount or 0, paid_at=at)
    return len(done)


def days_refunded_since(moment: datetime) -> set[datetime]:
    """When the orders refunded since ``moment`` were paid."""
    return set(
        OrderAttribution.objects.filter(refunded_at__gte=moment, paid_at__isnull=False).values_list(
            "paid_at", flat=True
        )
    )
