"""Checkout's periodic work. Thin, idempotent wrappers around services."""

from celery import shared_task

from checkout import services


@shared_task(acks_late=True)
def expire_unpaid_orders_task() -> int:
    """Expire unpaid orders past their pay-by time; their stock goes back on sale."""
    return services.expire_unpaid_orders()


@shared_task(acks_late=True)
def complete_delivered_orders_task() -> int:
    return services.complete_delivered_orders()
