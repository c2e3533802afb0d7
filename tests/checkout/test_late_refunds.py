"""Card money that arrives after its order closed goes back, retried until Stripe takes it."""

import pytest
from celery.exceptions import Retry

from checkout import services
from checkout.models import Order, OrderStatus
from checkout.payments import stripe as stripe_provider
from checkout.tasks import refund_late_card_payments_task
from tests.factories import UserFactory, buyable_variant, place

pytestmark = pytest.mark.django_db


def test_a_failed_late_refund_is_retried_and_never_refunds_twice(monkeypatch):
    # given an expired bank order standing in for a closed order whose card money came late
    buyer = UserFactory()
    order = place(buyer, (buyable_variant(), 1)).orders[0]
    services.cancel_order(order=order, actor=buyer)
    calls = []

    def flaky_refund(order):
        calls.append(order.pk)
        if len(calls) == 1:
            raise ConnectionError("Stripe is unreachable")
        return "re_test"

    monkeypatch.setattr(stripe_provider, "refund", flaky_refund)
    # when the task runs and Stripe fails: it asks the worker to retry that order later
    with pytest.raises(Retry):
        refund_late_card_payments_task.apply(args=[[order.pk]])
    assert Order.objects.get(pk=order.pk).refunded_amount == 0
    # and the worker's retry (as the worker would run it) succeeds
    refund_late_card_payments_task.apply(args=[[order.pk]], retries=1)
    # then it is refunded once, and running again changes nothing
    order.refresh_from_db()
    assert calls == [order.pk, order.pk]
    assert order.refunded_amount == order.total and order.status == OrderStatus.CANCELLED
    refund_late_card_payments_task.apply(args=[[order.pk]])
    assert calls == [order.pk, order.pk]
    assert Order.objects.get(pk=order.pk).refunded_amount == order.total
