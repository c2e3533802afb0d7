"""Checkout's periodic work. Thin, idempotent wrappers around services."""

import logging

from celery import shared_task
from django.db import OperationalError

from checkout import reminders, services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def expire_unpaid_orders_task() -> int:
    """Expire unpaid orders past their pay-by time; their stock goes back on sale."""
    return services.expire_unpaid_orders()


@shared_task(acks_late=True)
def complete_delivered_orders_task() -> int:
    return services.complete_delivered_orders()


@shared_task(bind=True, acks_late=True, max_retries=8)
def refund_late_card_payments_task(self, order_ids: list[int]) -> int:
    """Refund card money that arrived after its orders were cancelled or expired. Each
    refund is idempotent (Stripe key per order, and a refunded order is skipped), so retries
    with backoff are safe; after the last one a person is asked to refund by hand."""
    from checkout.webhooks import refund_orders_closed_before_payment

    failed = refund_orders_closed_before_payment(order_ids)
    if not failed:
        return len(order_ids)
    if self.request.retries >= self.max_retries:
        logger.error("Giving up refunding orders %s: refund them in the Stripe dashboard", failed)
        return len(order_ids) - len(failed)
    raise self.retry(args=[failed], countdown=min(3600, 30 * 2**self.request.retries))


# --- Reminders (see checkout.reminders) ------------------------------------------------------


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def remind_carted_variant_task(variant_id: int, kind: str, old_price: int | None = None) -> int:
    """Back in stock or cheaper: tell the shoppers whose cart holds the variant (once a day)."""
    return reminders.remind_carted_variant(variant_id=variant_id, kind=kind, old_price=old_price)


@shared_task(acks_late=True)
def request_reviews_task() -> int:
    """Hourly: ask buyers to rate what they bought, a few days after delivery, once per order."""
    return reminders.request_reviews()
