"""What insights does when checkout tells it something (connected in ``InsightsConfig.ready``).

Checkout sends these after its transaction committed, in the request (or task, or webhook)
that made the change; a failure here is logged and never reaches that request: the order is
already placed, paid or refunded, and the figures catch up (a paid order not yet credited is
credited when its day is rolled up, a refund's day is rolled up again with the recent days).
"""

from __future__ import annotations

import logging

from django.utils import timezone

from checkout.models import OrderStatus
from insights import attribution
from shop import broker, events

log = logging.getLogger(__name__)


def order_placed(sender, *, payment, orders, **kwargs) -> None:
    try:
        attribution.keep_placed(orders=orders, visitor=events.current_visitor())
    except Exception:
        log.exception("Could not keep orders %s for attribution", [order.pk for order in orders])


def order_paid(sender, *, order, **kwargs) -> None:
    try:
        attribution.credit_paid(
            order_id=order.pk,
            store_id=order.store_id,
            buyer_id=order.buyer_id,
            amount=order.total,
            paid_at=order.paid_at or timezone.now(),
        )
    except Exception:
        log.exception("Could not credit order %s", order.pk)


def order_status_changed(sender, *, order, to_status, **kwargs) -> None:
    if to_status != OrderStatus.REFUNDED:
        return
    try:
        row = attribution.record_refund(order_id=order.pk, refunded=order.refunded_amount, at=timezone.now())
        if row is not None:
            from insights.rollups import local_day
            from insights.tasks import roll_up_day_task

            # Broker down: the recent days' roll-up takes the refunded days too (the sweeper).
            broker.publish(roll_up_day_task, local_day(row.paid_at).isoformat())
    except Exception:
        log.exception("Could not count the refund of order %s", order.pk)
