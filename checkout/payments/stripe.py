"""Card payments through Stripe: one PaymentIntent per checkout (``Payment``), refunds per order.

An order never becomes paid here: only the signed webhook (``checkout.webhooks``) says the
money arrived. This module creates the intent the Payment Element confirms in the browser,
refunds, and cancels, turning every Stripe error into a ``ValidationError`` a person can read.

Amounts: ``Payment.amount`` and ``Order.total`` are in the currency's ISO 4217 minor unit,
which is what Stripe's ``amount`` means for the currencies we sell in (IDR is a two-decimal
currency at Stripe, so sen go through unchanged).

Idempotency: every request that creates something carries a key derived from our own ids
(``payment-<pk>-intent``, ``order-<pk>-refund``), so a double click or a retried task gets
Stripe's first answer instead of a second intent or refund. The row lock in
``ensure_intent`` is the local guard (and the only one against a Stripe-compatible server
that ignores the header, such as the tests' localstripe).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checkout.models import Order, OrderStatus, Payment, PaymentMethod
from checkout.pricing import card_payments_enabled

if TYPE_CHECKING:
    from stripe.params import PaymentIntentCreateParams

T = TypeVar("T")

logger = logging.getLogger(__name__)

# Stripe's limit for one metadata value.
METADATA_VALUE_MAX = 500


@functools.lru_cache(maxsize=4)
def _client_for(secret_key: str, api_base: str) -> stripe.StripeClient:
    # Network retries reuse the request's idempotency key, so a retried POST is never doubled.
    return stripe.StripeClient(
        secret_key, base_addresses={"api": api_base.rstrip("/")} if api_base else None, max_network_retries=2
    )


def client() -> stripe.StripeClient:
    """The Stripe client for the current settings (``STRIPE_API_BASE`` points it elsewhere)."""
    if not settings.STRIPE_SECRET_KEY:
        raise ValidationError(_("Card payments are not available right now."), code="stripe_not_configured")
    return _client_for(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE or "")


def _stripe_call(action: str, call: Callable[[], T], *, message: str, **context: object) -> T:
    """Run ``call()``; a Stripe error is logged with ``context`` and becomes ``message``."""
    try:
        return call()
    except stripe.StripeError as exc:
        logger.error(
            "Stripe %s failed: %s (http %s, code %s, request %s) %s",
            action,
            exc.user_message or str(exc),
            exc.http_status,
            exc.code,
            exc.request_id,
            context,
        )
        raise ValidationError(message, code="stripe_error") from exc


# --- Paying ------------------------------------------------------------------------------


def payable_orders(payment: Payment) -> list[Order]:
    """The orders of ``payment`` that still wait for their money and may still receive it."""
    now = timezone.now()
    return [
        order
        for order in payment.orders.filter(status=OrderStatus.PENDING_PAYMENT).order_by("pk")
        if order.expires_at is None or order.expires_at > now
    ]


def payment_problem(payment: Payment) -> str:
    """Why ``payment`` cannot be paid by card now, or ``""``."""
    if payment.method != PaymentMethod.CARD:
        return _("This checkout is not paid by card.")
    if payment.status == Payment.Status.SUCCEEDED:
        return _("This checkout is already paid.")
    if payment.status == Payment.Status.CANCELLED:
        return _("This payment was cancelled. Place the order again to pay for it.")
    # A failed attempt leaves the status "failed" and the orders pending: the buyer may retry
    # with the same intent until the orders expire.
    if not payable_orders(payment):
        return _("The time to pay for this order has run out, or it was cancelled. Place the order again.")
    if not card_payments_enabled():
        return _("Card payments are not available right now.")
    return ""


def _intent_params(payment: Payment) -> PaymentIntentCreateParams:
    numbers = ",".join(payment.orders.order_by("pk").values_list("number", flat=True))
    # Only parameters every Stripe-compatible server knows: localstripe answers 400 to
    # ``automatic_payment_methods`` and ``description``.
    return {
        "amount": payment.amount,
        "currency": payment.currency.lower(),
        "payment_method_types": ["card"],  # type: ignore[typeddict-unknown-key]  # localstripe needs it; stripe 16's types dropped it
        "metadata": {"payment_id": str(payment.pk), "orders": numbers[:METADATA_VALUE_MAX]},
    }


def ensure_intent(payment: Payment) -> str:
    """The client secret of ``payment``'s PaymentIntent, creating the intent on first call.

    Two calls at once (a double click, two tabs) create one intent: the payment row is
    locked while it is created, and the second caller finds it. Raises ``ValidationError``
    when the payment cannot be paid by card (paid, cancelled, expired, not a card payment)
    or Stripe refused.
    """
    if problem := payment_problem(payment):
        raise ValidationError(problem, code="not_payable")
    if payment.stripe_payment_intent and payment.stripe_client_secret:
        return payment.stripe_client_secret

    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if not (locked.stripe_payment_intent and locked.stripe_client_secret):
            if problem := payment_problem(locked):
                raise ValidationError(problem, code="not_payable")
            stripe_client = client()
            intent = _stripe_call(
                "create payment intent",
                lambda: stripe_client.v1.payment_intents.create(
                    params=_intent_params(locked), options={"idempotency_key": f"payment-{locked.pk}-intent"}
                ),
                message=_("We could not start the card payment. Please try again in a moment."),
                payment=locked.pk,
            )
            locked.stripe_payment_intent = intent.id
            locked.stripe_client_secret = intent.client_secret or ""
            locked.save(update_fields=["stripe_payment_intent", "stripe_client_secret", "updated_at"])
            logger.info("Created Stripe intent %s for payment %s", intent.id, locked.pk)

    payment.stripe_payment_intent = locked.stripe_payment_intent
    payment.stripe_client_secret = locked.stripe_client_secret
    return locked.stripe_client_secret


# --- Refunds and cancelling ---------------------------------------------------------------


def refund(order: Order) -> str:
    """Give ``order.total`` back on its checkout's PaymentIntent. Returns the refund's id.

    Idempotent at Stripe (key ``order-<pk>-refund``): calling it again for the same order
    returns the first refund instead of refunding twice. It records nothing here: the caller
    marks the order (``checkout.payments.refund_order``) or logs it (the webhook).
    """
    payment = order.payment
    if payment.method != PaymentMethod.CARD or not payment.stripe_payment_intent:
        raise ValidationError(_("This order was not paid by card, so it cannot be refunded to a card."))
    intent_id = payment.stripe_payment_intent
    stripe_client = client()
    result = _stripe_call(
        "refund",
        lambda: stripe_client.v1.refunds.create(
            params={
                "payment_intent": intent_id,
                "amount": order.total,
                "metadata": {"order": order.number, "payment_id": str(payment.pk)},
            },
            options={"idempotency_key": f"order-{order.pk}-refund"},
        ),
        message=_("Stripe could not refund this order. Nothing was changed; try again later."),
        order=order.number,
        intent=payment.stripe_payment_intent,
    )
    logger.info(
        "Refunded %s of order %s on %s (%s)", order.total, order.number, payment.stripe_payment_intent, result.id
    )
    return result.id


def cancel_intent(payment: Payment) -> bool:
    """Cancel ``payment``'s PaymentIntent so it can no longer be paid (best effort: an intent
    that already succeeded or is gone is logged and left alone). Returns whether it worked."""
    if not payment.stripe_payment_intent or not settings.STRIPE_SECRET_KEY:
        return False
    try:
        # No idempotency key: cancelling twice is harmless, and a key would replay a first
        # (transient) error for a day.
        client().v1.payment_intents.cancel(payment.stripe_payment_intent)
    except stripe.StripeError as exc:
        logger.warning("Could not cancel Stripe intent %s: %s", payment.stripe_payment_intent, exc)
        return False
    return True
