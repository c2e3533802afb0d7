"""Recency, frequency and monetary scores (1 to 5, 0 without a paid order) and the named
groups, recomputed for every contact each night (``marketing.tasks.score_contacts_task``).

The facts: a contact's paid orders with the store, kept (``chat.buyer_panel.SPENT``: paid
and not refunded, cancelled, expired or refused), by any of the contact's site accounts.

- **Recency**, days since the last such order: up to 30 days 5, 60 4, 120 3, 240 2, older 1.
- **Frequency**, how many: 10 or more 5, 5-9 4, 3-4 3, 2 2, 1 1.
- **Monetary**, what they spent, against the store's other buyers: the store's buyers are
  cut into five equal bands by total spent (``NTILE(5)``), the top band 5.

The group, by the first rule that holds:

1. **Champions**: recency, frequency and monetary all 4 or 5.
2. **Loyal**: recency 3 or more and frequency 3 or more.
3. **New**: recency 4 or 5 (bought within 60 days, only once or twice).
4. **Lost**: recency 1 (no order for 240 days).
5. **At risk**: everyone else who bought (a while ago: recency 2 or 3).

Contacts who never paid for an order have no group (and scores 0).

Four set-based statements in one transaction, the same on SQLite and PostgreSQL (both have
window functions and ``UPDATE ... FROM``): running it twice gives the same result.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from chat.buyer_panel import SPENT
from checkout.models import Order
from marketing.models import Contact, Identity, RFMGroup

RECENCY_DAYS = ((30, 5), (60, 4), (120, 3), (240, 2))  # within N days -> score; older: 1
FREQUENCY = ((10, 5), (5, 4), (3, 3), (2, 2), (1, 1))  # at least N orders -> score

MONETARY_SQL = """
UPDATE marketing_contact
   SET monetary_score = banded.score
  FROM (SELECT id, NTILE(5) OVER (PARTITION BY store_id ORDER BY total_spent, id) AS score
          FROM marketing_contact
         WHERE order_count > 0 AND merged_into_id IS NULL {store_filter}) AS banded
 WHERE marketing_contact.id = banded.id
"""


def score_contacts(*, store_id: int | None = None, now: datetime | None = None) -> int:
    """Recompute every contact's figures, scores and group (one store's with ``store_id``).
    Returns how many contacts were scored."""
    now = now or timezone.now()
    contacts = Contact.objects.filter(merged_into__isnull=True)
    if store_id is not None:
        contacts = contacts.filter(store_id=store_id)
    accounts = Identity.objects.filter(contact_id=OuterRef(OuterRef("pk")), kind=Identity.Kind.USER).values("user_id")
    paid = (
        Order.objects.filter(SPENT, store_id=OuterRef("store_id"), buyer_id__in=accounts).order_by().values("store_id")
    )

    def figure(aggregate):
        return Subquery(paid.annotate(figure=aggregate).values("figure")[:1])

    with transaction.atomic():
        scored = contacts.update(
            order_count=Coalesce(figure(Count("pk")), 0),
            total_spent=Coalesce(figure(Sum("total")), 0),
            last_order_at=figure(Max("placed_at")),
            scored_at=now,
        )
        contacts.update(
            recency_score=Case(
                When(last_order_at__isnull=True, then=Value(0)),
                *[
                    When(last_order_at__gte=now - timedelta(days=days), then=Value(score))
                    for days, score in RECENCY_DAYS
                ],
                default=Value(1),
                output_field=IntegerField(),
            ),
            frequency_score=Case(
                *[When(order_count__gte=count, then=Value(score)) for count, score in FREQUENCY],
                default=Value(0),
                output_field=IntegerField(),
            ),
            monetary_score=0,
        )
        with connection.cursor() as cursor:
            store_filter = "" if store_id is None else "AND store_id = %s"
            cursor.execute(MONETARY_SQL.format(store_filter=store_filter), [] if store_id is None else [store_id])
        contacts.update(
            rfm_group=Case(
                When(order_count=0, then=Value(RFMGroup.NONE)),
                When(
                    Q(recency_score__gte=4, frequency_score__gte=4, monetary_score__gte=4),
                    then=Value(RFMGroup.CHAMPIONS),
                ),
                When(Q(recency_score__gte=3, frequency_score__gte=3), then=Value(RFMGroup.LOYAL)),
                When(recency_score__gte=4, then=Value(RFMGroup.NEW)),
                When(recency_score=1, then=Value(RFMGroup.LOST)),
                default=Value(RFMGroup.AT_RISK),
            )
        )
    return scored
