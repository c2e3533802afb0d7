"""Stripe's webhook: signed, deduplicated, never moving an order backwards.

The events are localstripe's own (recorded when a test card paid the real intent) or built
around the intent's JSON fetched from it, signed here with the stripe library's scheme and
replayed as Stripe would deliver them: more than once, late, out of order, or forged.
"""

import json
import logging
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkout import services
from checkout.models import Order, OrderEvent, OrderStatus, Payment, StripeEvent
from tests.checkout.conftest import event_payload
from tests.factories import UserFactory, buyable_variant

pytestmark = pytest.mark.django_db

PAYLOADS = Path(__file__).parent / "webhook_payloads"


def _statuses(payment) -> set[str]:
    return set(Order.objects.filter(payment=payment).values_list("status", flat=True))


def _paid_events(payment) -> int:
    return OrderEvent.objects.filter(order__payment=payment, to_status=OrderStatus.PAID).count()


# --- Paid ---------------------------------------------------------------------------------


def test_payment_intent_succeeded_marks_every_order_of_the_checkout_paid(
    localstripe, card_checkout, succeeded_event, deliver, django_capture_on_commit_callbacks
):
    # given a card checkout over two stores, paid on Stripe
    buyer = UserFactory()
    placed = card_checkout(buyer, (buyable_variant(price=15_000_000), 2), (buyable_variant(price=60_000_000), 1))
    payload = succeeded_event(placed.payment)
    # when Stripe's event arrives
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = deliver(payload)
    # then
    assert response.status_code == 200 and response.content == b"paid"
    assert _statuses(placed.payment) == {OrderStatus.PAID}
    placed.payment.refresh_from_db()
    assert placed.payment.status == Payment.Status.SUCCEEDED
    assert all(order.paid_at and order.expires_at is None for order in Order.objects.filter(payment=placed.payment))
    event = StripeEvent.objects.get()
    assert event.type == "payment_intent.succeeded" and event.payment_intent == placed.payment.stripe_payment_intent
    assert callbacks  # the order_paid announcements run after commit
    assert localstripe.refunds(placed.payment.stripe_payment_intent) == []


def test_the_same_event_delivered_five_times_changes_the_orders_once(card_checkout, succeeded_event, deliver):
    placed = card_checkout(UserFactory(), (buyable_variant(), 1), (buyable_variant(), 1))
    payload = succeeded_event(placed.payment)
    responses = [deliver(payload) for _ in range(5)]
    assert [r.status_code for r in responses] == [200] * 5
    assert [r.content for r in responses] == [b"paid"] + [b"already processed"] * 4
    assert _paid_events(placed.payment) == 2  # one per order
    assert StripeEvent.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_simultaneous_deliveries_of_one_event_change_the_orders_once(card_checkout, succeeded_event, localstripe):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL: SQLite serialises writers (CI runs this)")
    placed = card_checkout(UserFactory(), (buyable_variant(), 1), (buyable_variant(), 1))
    payload = succeeded_event(placed.payment)
    signature = localstripe.sign(payload)
    barrier = threading.Barrier(5)
    answers, errors = [], []

    def stripe_delivers():
        try:
            barrier.wait(timeout=30)
            response = Client().post(
                reverse("checkout:stripe_webhook"),
                data=payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=signature,
            )
            answers.append((response.status_code, response.content))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=stripe_delivers) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(answers) == sorted([(200, b"paid")] + [(200, b"already processed")] * 4)
    assert _paid_events(placed.payment) == 2
    assert StripeEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_localstripe_delivers_its_own_signed_event_to_the_live_site(localstripe, live_server, card_checkout):
    """The whole loop: localstripe signs with the secret it was given and posts to the running
    site, which verifies and marks the order paid (delivery takes about a second)."""
    placed = card_checkout(UserFactory(), (buyable_variant(), 1))
    localstripe.register_webhook(f"{live_server.url}{reverse('checkout:stripe_webhook')}")
    localstripe.pay(placed.payment.stripe_payment_intent)
    deadline = time.monotonic() + 15
    while _statuses(placed.payment) != {OrderStatus.PAID} and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _statuses(placed.payment) == {OrderStatus.PAID}
    assert list(StripeEvent.objects.values_list("type", "payment_intent")) == [
        ("payment_intent.succeeded", placed.payment.stripe_payment_intent)
    ]


# --- Refused, ignored, logged -------------------------------------------------------------


def test_a_bad_or_missing_signature_is_400_and_changes_nothing(localstripe, card_checkout, succeeded_event, deliver):
    placed = card_checkout(UserFactory(), (buyable_variant(), 1))
    payload = succeeded_event(placed.payment)
    forged = payload.replace(f'"amount": {placed.payment.amount}', '"amount": 100')
    attempts = [
        deliver(payload, signature=""),  # no header
        deliver(payload, signature="garbage"),
        deliver(payload, signature=localstripe.sign(payload, secret="whsec_someone_else")),
        deliver(forged, signature=localstripe.sign(payload)),  # body changed after signing
        deliver(payload, signature=localstripe.sign(payload, timestamp=int(time.time()) - 3600)),  # replayed late
    ]
    assert [response.status_code for response in attempts] == [400] * 5
    assert _statuses(placed.payment) == {OrderStatus.PENDING_PAYMENT}
    assert not StripeEvent.objects.exists()
    placed.payment.refresh_from_db()
    assert placed.payment.status == Payment.Status.PENDING


def test_without_a_webhook_secret_every_delivery_is_refused(card_checkout, succeeded_event, deliver, settings):
    placed = card_checkout(UserFactory(), (buyable_variant(), 1))
    payload = succeeded_event(placed.payment)
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert deliver(payload).status_code == 400
    assert _statuses(placed.payment) == {OrderStatus.PENDING_PAYMENT}


def test_only_post_is_accepted(client):
    assert client.get(reverse("checkout:stripe_webhook")).status_code == 405


def test_an_event_for_an_unknown_intent_is_200_and_logged(localstripe, deliver, caplog):
    # a saved payload whose intent is not ours (another site on the same account, say)
    payload = (PAYLOADS / "payment_intent.succeeded.json").read_text()
    with caplog.at_level(logging.WARNING, logger="checkout.webhooks"):
        response = deliver(payload)
    assert response.status_code == 200 and response.content == b"unknown payment intent"
    assert "pi_KppwOgZwm26VuW" in caplog.text and "matches no payment" in caplog.text
    assert StripeEvent.objects.get().event_id == "evt_GWYdROHEL3wfZ5"


def test_an_amount_that_does_not_match_the_payment_changes_nothing(localstripe, card_checkout, deliver, caplog):
    # given an intent that (somehow) succeeded for less than the checkout costs
    placed = card_checkout(UserFactory(), (buyable_variant(), 1))
    intent = localstripe.intent(placed.payment.stripe_payment_intent)
    short = event_payload(
        intent | {"status": "succeeded", "amount": placed.payment.amount - 100}, "payment_intent.succeeded"
    )
    other_currency = event_payload(intent | {"status": "succeeded", "currency": "usd"}, "payment_intent.succeeded")
    # when
    with caplog.at_level(logging.ERROR, logger="checkout.webhooks"):
        responses = [deliver(short), deliver(other_currency)]
    # then
    assert [(r.status_code, r.content) for r in responses] == [(200, b"amount mismatch")] * 2
    assert _statuses(placed.payment) == {OrderStatus.PENDING_PAYMENT}
    placed.payment.refresh_from_db()
    assert placed.payment.status == Payment.Status.PENDING
    assert caplog.text.count("nothing was changed") == 2


def test_an_unhandled_event_type_is_200_and_changes_nothing(localstripe, card_checkout, deliver):
    placed = card_checkout(UserFactory(), (buyable_variant(), 1))
    intent = localstripe.intent(placed.payment.stripe_payment_intent)
    response = deliver(event_payload(intent, "payment_intent.created"))
    assert response.status_code == 200 and response.content == b"ignored"
    assert _statuses(placed.payment) == {OrderStatus.PENDING_PAYMENT}


# --- Out of order -------------------------------------------------------------------------


@pytest.mark.parametrize("late_type", ["payment_intent.payment_failed", "payment_intent.canceled"])
def test_a_failure_or_cancel_after_the_success_moves_nothing_back(
    localstripe, card_checkout, succeeded_event, deliver, late_type
):
    # given a paid checkout
    placed = card_checkout(UserFactory(), (buyable_variant(), 1))
    assert deliver(succeeded_event(placed.payment)).content == b"paid"
    # when an older event about an earlier attempt arrives late
    intent = localstripe.intent(placed.payment.stripe_payment_intent)
    late = intent | {"status": "canceled" if late_type.endswith("canceled") else "requires_payment_method"}
    response = deliver(event_payload(late, late_type))
    # then
    assert response.status_code == 200 and response.content == b"no change"
    assert _statuses(placed.payment) == {OrderStatus.PAID}
    placed.payment.refresh_from_db()
    assert placed.payment.status == Payment.Status.SUCCEEDED
    assert _paid_events(placed.payment) == 1


def test_a_cancelled_intent_cancels_the_payment_but_moves_no_order(localstripe, card_checkout, deliver):
    placed = card_checkout(UserFactory(), (buyable_variant(), 1))
    intent_id = placed.payment.stripe_payment_intent
    localstripe.client.v1.payment_intents.cancel(intent_id)
    # (localstripe records no event on cancel: this is Stripe's, around the real intent)
    response = deliver(event_payload(localstripe.intent(intent_id), "payment_intent.canceled"))
    assert response.content == b"cancelled"
    placed.payment.refresh_from_db()
    assert placed.payment.status == Payment.Status.CANCELLED
    assert _statuses(placed.payment) == {OrderStatus.PENDING_PAYMENT}


def test_money_arriving_after_an_order_expired_is_refunded(
    localstripe, card_checkout, succeeded_event, deliver, django_capture_on_commit_callbacks, caplog
):
    # given a two-store card checkout; one order was cancelled before the buyer paid
    buyer = UserFactory()
    placed = card_checkout(buyer, (buyable_variant(price=15_000_000), 1), (buyable_variant(price=9_000_000), 1))
    kept, closed = placed.orders
    services.cancel_order(order=closed, actor=buyer)
    # when the payment for both succeeds
    payload = succeeded_event(placed.payment)
    with (
        caplog.at_level(logging.WARNING, logger="checkout.webhooks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = deliver(payload)
    # then the open order is paid, the closed one stays closed and its money went back
    assert response.status_code == 200
    kept.refresh_from_db()
    closed.refresh_from_db()
    assert kept.status == OrderStatus.PAID
    assert closed.status == OrderStatus.CANCELLED and closed.refunded_amount == closed.total
    (refund,) = localstripe.refunds(placed.payment.stripe_payment_intent)
    assert refund["amount"] == closed.total and refund["metadata"]["order"] == closed.number
    assert f"Order {closed.number} was cancelled when its card payment arrived" in caplog.text


def test_a_payment_succeeding_after_its_only_order_expired_is_refunded_in_full(
    localstripe, card_checkout, succeeded_event, deliver, django_capture_on_commit_callbacks
):
    # given a card checkout the buyer paid just as its time ran out
    placed = card_checkout(UserFactory(), (buyable_variant(), 1))
    Order.objects.filter(payment=placed.payment).update(expires_at=timezone.now())
    assert services.expire_unpaid_orders() == 1
    # when the payment's success arrives after the expiry
    payload = succeeded_event(placed.payment)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(payload).status_code == 200
    # then the order stays expired and the whole amount went back
    (order,) = Order.objects.filter(payment=placed.payment)
    assert order.status == OrderStatus.EXPIRED and order.refunded_amount == order.total
    (refund,) = localstripe.refunds(placed.payment.stripe_payment_intent)
    assert refund["amount"] == placed.payment.amount == order.total
    # a redelivery refunds nothing more
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(payload).content == b"already processed"
    assert len(localstripe.refunds(placed.payment.stripe_payment_intent)) == 1


def test_the_payload_is_kept_with_the_event(card_checkout, succeeded_event, deliver):
    placed = card_checkout(UserFactory(), (buyable_variant(), 1))
    payload = succeeded_event(placed.payment)
    deliver(payload)
    assert StripeEvent.objects.get().payload == json.loads(payload)


@pytest.mark.parametrize(
    "payload",
    [
        "[]",
        '"x"',
        "1",
        "null",
        "not json",
        '{"id": "evt_1", "type": "payment_intent.succeeded", "data": []}',
        '{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": ["pi_1"]}}',
        '{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": "pi_1"}}',
        # JSON the parser must not crash on, nor store: nested past any event, a NUL in a string
        '{"id": "evt_1", "type": "x", "data": {"object": ' + "[" * 5000 + "]" * 5000 + "}}",
        '{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_\\u0000"}}}',
    ],
)
def test_a_validly_signed_body_that_is_not_an_event_object_is_400(deliver, payload):
    # given a body signed with the real secret by the stripe library, but no event object
    # when it is delivered
    response = deliver(payload)
    # then it is refused clearly, and nothing is stored
    assert response.status_code == 400 and response.content == b"not an event"
    assert not StripeEvent.objects.exists()
