"""Checkout's periodic work. Thin, idempotent wrappers around services."""

import logging

from celery import shared_task

from checkout import services

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
