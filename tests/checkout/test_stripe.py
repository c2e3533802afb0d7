"""Card payments against a real Stripe-compatible server (localstripe): intents, refunds,
declines, the payment page, and card payments hidden without Stripe keys."""

import json
import logging
import threading
from datetime import timedelta

import pytest
import stripe
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from checkout import payments, services
from checkout.models import Order, OrderStatus, Payment
from checkout.payments import stripe as stripe_provider
from checkout.pricing import available_methods, card_payments_enabled
from tests.checkout.conftest import event_payload
from tests.factories import UserFactory, buyable_variant, place

pytestmark = pytest.mark.django_db


def _paid_card_checkout(card_checkout, succeeded_event, deliver, buyer, *lines):
    placed = card_checkout(buyer, *lines)
    response = deliver(succeeded_event(placed.payment))
    assert response.status_code == 200
    return placed


# --- Creating the PaymentIntent ---------------------------------------------------------


def test_ensure_intent_creates_one_payment_intent_on_stripe_and_returns_it_again(localstripe):
    # given a card checkout over two stores
    buyer = UserFactory()
    placed = place(buyer, (buyable_variant(price=15_000_000), 2), (buyable_variant(price=4_500_000), 1), method="card")
    payment = placed.payment
    # when
    secret = stripe_provider.ensure_intent(payment)
    # then the intent exists on the server, for exactly what the checkout costs
    payment.refresh_from_db()
    intent = localstripe.intent(payment.stripe_payment_intent)
    assert secret == payment.stripe_client_secret == intent["client_secret"]
    assert intent["amount"] == payment.amount == sum(order.total for order in placed.orders)
    assert intent["currency"] == "idr"
    # (localstripe accepts payment_method_types=["card"] but does not echo it back)
    assert intent["status"] == "requires_payment_method"
    assert intent["metadata"]["payment_id"] == str(payment.pk)
    assert set(intent["metadata"]["orders"].split(",")) == {order.number for order in placed.orders}
    # and again (a reload, a fresh copy of the row): the same intent, no second one
    assert stripe_provider.ensure_intent(Payment.objects.get(pk=payment.pk)) == secret
    assert payments.client_secret(payment) == secret
    assert [found["id"] for found in localstripe.intents()] == [payment.stripe_payment_intent]


@pytest.mark.parametrize("method", ["bank_transfer", "cod"])
def test_no_intent_for_a_checkout_not_paid_by_card(localstripe, method):
    placed = place(UserFactory(), (buyable_variant(), 1), method=method)
    with pytest.raises(ValidationError, match="not paid by card"):
        stripe_provider.ensure_intent(placed.payment)
    assert localstripe.intents() == []


def test_no_intent_once_the_orders_expired_or_were_cancelled(localstripe):
    # given one checkout whose pay-by time has passed, and one the buyer cancelled
    buyer = UserFactory()
    late = place(buyer, (buyable_variant(), 1), method="card")
    Order.objects.filter(payment=late.payment).update(expires_at=timezone.now() - timedelta(minutes=1))
    cancelled = place(buyer, (buyable_variant(), 1), method="card")
    services.cancel_order(order=cancelled.orders[0], actor=buyer)
    # then neither can be paid, and Stripe never hears of them
    for placed in (late, cancelled):
        with pytest.raises(ValidationError, match="run out, or it was cancelled"):
            stripe_provider.ensure_intent(Payment.objects.get(pk=placed.payment.pk))
    assert localstripe.intents() == []


def test_no_new_intent_for_a_paid_checkout(localstripe, card_checkout, succeeded_event, deliver):
    placed = _paid_card_checkout(card_checkout, succeeded_event, deliver, UserFactory(), (buyable_variant(), 1))
    with pytest.raises(ValidationError, match="already paid"):
        stripe_provider.ensure_intent(Payment.objects.get(pk=placed.payment.pk))
    assert len(localstripe.intents()) == 1


def test_a_stripe_error_becomes_a_message_and_is_logged(localstripe, settings, caplog):
    # given a key Stripe refuses (localstripe answers 401, as Stripe does to a revoked key)
    placed = place(UserFactory(), (buyable_variant(), 1), method="card")
    settings.STRIPE_SECRET_KEY = "sk_x"
    # when
    with (
        caplog.at_level(logging.ERROR, logger="checkout.payments.stripe"),
        pytest.raises(ValidationError, match="could not start the card payment") as raised,
    ):
        stripe_provider.ensure_intent(placed.payment)
    # then
    assert raised.value.code == "stripe_error"
    assert "create payment intent failed" in caplog.text and "401" in caplog.text
    placed.payment.refresh_from_db()
    assert placed.payment.stripe_payment_intent is None and placed.payment.stripe_client_secret == ""
    assert localstripe.intents() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_calls_create_one_intent(localstripe):
    """localstripe ignores Idempotency-Key, so only the row lock can keep this to one intent."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL: SQLite serialises writers and ignores row locks (CI runs this)")
    placed = place(UserFactory(), (buyable_variant(), 1), method="card")
    barrier = threading.Barrier(4)
    secrets, errors = [], []

    def open_payment_page():
        try:
            barrier.wait(timeout=30)
            secrets.append(stripe_provider.ensure_intent(Payment.objects.get(pk=placed.payment.pk)))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_payment_page) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(secrets) == 4 and len(set(secrets)) == 1
    assert len(localstripe.intents()) == 1


# --- Declines ---------------------------------------------------------------------------


def test_a_declined_card_leaves_the_orders_pending_and_the_buyer_can_retry(localstripe, card_checkout, deliver):
    # given a card checkout, paid with a card the bank declines
    buyer = UserFactory()
    placed = card_checkout(buyer, (buyable_variant(), 1), (buyable_variant(), 1))
    payment = placed.payment
    with pytest.raises(stripe.CardError):
        localstripe.pay(payment.stripe_payment_intent, "pm_card_chargeCustomerFail")
    (failed,) = localstripe.events("payment_intent.payment_failed", payment.stripe_payment_intent)
    # when Stripe reports the failure
    response = deliver(json.dumps(failed))
    # then the payment failed, the orders still wait for their money
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert set(Order.objects.filter(payment=payment).values_list("status", flat=True)) == {OrderStatus.PENDING_PAYMENT}
    # and the buyer can try again with the same intent...
    assert stripe_provider.ensure_intent(payment) == payment.stripe_client_secret
    # ...and pay. (localstripe cannot confirm an intent again after a decline, which Stripe
    # can: the success is Stripe's event for the retried intent, replayed from its JSON.)
    intent = localstripe.intent(payment.stripe_payment_intent) | {"status": "succeeded"}
    assert deliver(event_payload(intent, "payment_intent.succeeded")).status_code == 200
    assert set(Order.objects.filter(payment=payment).values_list("status", flat=True)) == {OrderStatus.PAID}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


# --- Refunds and cancelling -------------------------------------------------------------


def test_refund_order_refunds_that_orders_total_on_stripe_and_marks_it_refunded(
    localstripe, card_checkout, succeeded_event, deliver
):
    # given a paid card checkout over two stores
    buyer = UserFactory()
    placed = _paid_card_checkout(
        card_checkout, succeeded_event, deliver, buyer, (buyable_variant(price=15_000_000), 1), (buyable_variant(), 2)
    )
    order, other = (Order.objects.select_related("store").get(pk=o.pk) for o in placed.orders)
    assert order.status == OrderStatus.PAID
    # when its seller refunds one of them
    payments.refund_order(order=order, actor=order.store.owner, note="Out of stock")
    # then Stripe refunded exactly that order's total, and the order is refunded
    (refund,) = localstripe.refunds(placed.payment.stripe_payment_intent)
    assert refund["amount"] == order.total and refund["status"] == "succeeded"
    assert refund["metadata"]["order"] == order.number
    order.refresh_from_db()
    other.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.refunded_amount == order.total
    assert other.status == OrderStatus.PAID
    assert order.events.filter(to_status=OrderStatus.REFUNDED).count() == 1


def test_a_refund_stripe_refuses_leaves_the_order_paid(localstripe, card_checkout, succeeded_event, deliver, settings):
    placed = _paid_card_checkout(card_checkout, succeeded_event, deliver, UserFactory(), (buyable_variant(), 1))
    order = Order.objects.select_related("store").get(pk=placed.orders[0].pk)
    settings.STRIPE_SECRET_KEY = "sk_x"  # refused by the server
    with pytest.raises(ValidationError, match="could not refund"):
        payments.refund_order(order=order, actor=order.store.owner)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.refunded_amount == 0
    assert localstripe.refunds(placed.payment.stripe_payment_intent) == []


def test_cancel_intent_cancels_an_unpaid_intent_and_leaves_a_paid_one(
    localstripe, card_checkout, succeeded_event, deliver, caplog
):
    unpaid = card_checkout(UserFactory(), (buyable_variant(), 1))
    assert stripe_provider.cancel_intent(unpaid.payment) is True
    assert localstripe.intent(unpaid.payment.stripe_payment_intent)["status"] == "canceled"

    paid = _paid_card_checkout(card_checkout, succeeded_event, deliver, UserFactory(), (buyable_variant(), 1))
    with caplog.at_level(logging.WARNING, logger="checkout.payments.stripe"):
        assert stripe_provider.cancel_intent(paid.payment) is False
    assert "Could not cancel" in caplog.text
    assert localstripe.intent(paid.payment.stripe_payment_intent)["status"] == "succeeded"


# --- Without Stripe keys ----------------------------------------------------------------


def test_card_payments_are_hidden_without_stripe_keys(settings, localstripe_server):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_PUBLISHABLE_KEY = ""
    assert not card_payments_enabled()
    assert "card" not in [method for method, _label, _problem in available_methods([])]


def test_card_payments_are_offered_with_stripe_keys(localstripe):
    assert card_payments_enabled()
    assert "card" in [method for method, _label, _problem in available_methods([])]


# --- The payment page -------------------------------------------------------------------


def _pay_url(payment) -> str:
    return reverse("checkout:pay_card", args=[payment.pk])


def test_pay_page_mounts_the_payment_element_for_the_buyer(client, localstripe, settings):
    # given
    settings.STRIPE_JS_URL = f"{localstripe.url}/js.stripe.com/v3/"
    buyer = UserFactory()
    placed = place(buyer, (buyable_variant(price=15_000_000), 1), method="card")
    client.force_login(buyer)
    # when
    response = client.get(_pay_url(placed.payment))
    # then the page carries the intent's client secret and loads Stripe.js and our script
    assert response.status_code == 200
    payment = Payment.objects.get(pk=placed.payment.pk)
    html = response.content.decode()
    assert payment.stripe_client_secret and f'data-client-secret="{payment.stripe_client_secret}"' in html
    assert 'data-publishable-key="pk_test_etalase"' in html
    assert f'<script src="{settings.STRIPE_JS_URL}">' in html and "js/stripe-payment.js" in html
    assert reverse("checkout:pay_card_done", args=[payment.pk]) in html
    assert placed.orders[0].get_absolute_url() in html
    assert "no-store" in response["Cache-Control"]
    # and a reload shows the same intent
    client.get(_pay_url(payment))
    assert len(localstripe.intents()) == 1


def test_pay_page_is_404_for_another_user_and_sends_visitors_to_log_in(client, localstripe):
    placed = place(UserFactory(), (buyable_variant(), 1), method="card")
    url = _pay_url(placed.payment)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.get(reverse("checkout:pay_card_done", args=[placed.payment.pk])).status_code == 404
    assert localstripe.intents() == []


def test_pay_page_is_404_for_a_bank_transfer_checkout(client, localstripe):
    buyer = UserFactory()
    placed = place(buyer, (buyable_variant(), 1), method="bank_transfer")
    client.force_login(buyer)
    assert client.get(_pay_url(placed.payment)).status_code == 404


def test_pay_page_of_a_paid_checkout_says_so_without_stripe_js(
    client, localstripe, card_checkout, succeeded_event, deliver
):
    buyer = UserFactory()
    placed = _paid_card_checkout(card_checkout, succeeded_event, deliver, buyer, (buyable_variant(), 1))
    client.force_login(buyer)
    response = client.get(_pay_url(placed.payment))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This checkout is paid" in html
    assert "data-client-secret" not in html and "stripe-payment.js" not in html


def test_pay_page_of_an_expired_checkout_explains_and_creates_nothing(client, localstripe):
    buyer = UserFactory()
    placed = place(buyer, (buyable_variant(), 1), method="card")
    Order.objects.filter(payment=placed.payment).update(status=OrderStatus.EXPIRED)
    client.force_login(buyer)
    response = client.get(_pay_url(placed.payment))
    assert response.status_code == 200
    html = response.content.decode()
    assert "can no longer be paid" in html and "data-client-secret" not in html
    assert localstripe.intents() == []


def test_pay_page_shows_a_stripe_error_as_a_message(client, localstripe, settings):
    buyer = UserFactory()
    placed = place(buyer, (buyable_variant(), 1), method="card")
    settings.STRIPE_SECRET_KEY = "sk_x"  # refused by the server
    client.force_login(buyer)
    response = client.get(_pay_url(placed.payment))
    assert response.status_code == 400
    html = response.content.decode()
    assert "could not start the card payment" in html
    assert "data-client-secret" not in html and "stripe-payment.js" not in html


def test_pay_page_without_stripe_keys_says_cards_are_unavailable(client, localstripe, settings):
    buyer = UserFactory()
    placed = place(buyer, (buyable_variant(), 1), method="card")
    settings.STRIPE_SECRET_KEY = settings.STRIPE_PUBLISHABLE_KEY = ""
    client.force_login(buyer)
    response = client.get(_pay_url(placed.payment))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Card payments are not available" in html and "stripe-payment.js" not in html


def test_done_page_shows_the_servers_state_not_the_query_string(
    client, localstripe, card_checkout, succeeded_event, deliver
):
    # given a checkout the buyer came back from, before Stripe's webhook arrived
    buyer = UserFactory()
    placed = card_checkout(buyer, (buyable_variant(), 1))
    client.force_login(buyer)
    done = reverse("checkout:pay_card_done", args=[placed.payment.pk])
    # when the return address claims success, the page still waits for the server
    response = client.get(
        done, {"payment_intent": placed.payment.stripe_payment_intent, "redirect_status": "succeeded"}
    )
    assert response.status_code == 200
    assert 'data-state="processing"' in response.content.decode()
    # a failed attempt (reported by the webhook) is shown as failed, with a way back
    Payment.objects.filter(pk=placed.payment.pk).update(status=Payment.Status.FAILED)
    html = client.get(done, {"redirect_status": "succeeded"}).content.decode()
    assert 'data-state="failed"' in html and _pay_url(placed.payment) in html
    # and once the webhook says paid, paid
    Payment.objects.filter(pk=placed.payment.pk).update(status=Payment.Status.PENDING)
    deliver(succeeded_event(placed.payment))
    html = client.get(done, {"redirect_status": "failed"}).content.decode()
    assert 'data-state="paid"' in html and "Payment received" in html
    assert reverse("checkout:order_list") in html and placed.orders[0].get_absolute_url() in html
