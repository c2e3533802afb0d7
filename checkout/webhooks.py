"""Stripe's webhook: the only way a card order becomes paid.

Every delivery is verified over its raw body with the stripe library's ``WebhookSignature``
and the shared secret (``STRIPE_WEBHOOK_SECRET``); anything unsigned, badly signed or not an
event object (``[]``, ``"x"``) is a 400 and changes nothing.
Stripe delivers at least once and in any order, so:

- each event id is stored (``StripeEvent``, unique) in the same transaction as its effect:
  a redelivery finds the row and is answered 200 "already processed"; an effect that fails
  rolls the row back too, so Stripe's retry does the work;
- no event moves an order backwards: a failed or cancelled payment only marks the
  ``Payment`` (never one that succeeded), and orders leave "pending payment" only through
  ``services.record_card_payment``;
- what we cannot place (an unknown intent, a type we do not handle) is logged and answered
  200, since a retry would not help.

Money that arrives for orders already cancelled or expired goes back (a refund per order,
after commit) and is logged.
"""

from __future__ import annotations

import logging

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from checkout import services
from checkout.models import Order, Payment, StripeEvent
from checkout.payments import stripe as stripe_provider
from shop import safe_json
from shop.broker import publish

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    payload = request.body
    try:
        # The signature is checked over the raw bytes before anything is parsed: the stripe
        # library's ``construct_event`` would parse first and fail (500) on JSON that is not an
        # object, such as ``[]``.
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"),
            request.headers.get("Stripe-Signature") or "",
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=stripe.Webhook.DEFAULT_TOLERANCE,  # a delivery replayed late is refused
        )
    except (UnicodeDecodeError, stripe.SignatureVerificationError) as exc:
        logger.warning("Refused a Stripe webhook delivery: %s", exc)
        return HttpResponseBadRequest("invalid signature or payload", content_type="text/plain")

    data = _event_of(payload)
    if data is None:
        logger.warning("Refused a signed Stripe webhook delivery that is not an event object")
        return HttpResponseBadRequest("not an event", content_type="text/plain")
    event_id, event_type = str(data.get("id") or ""), str(data.get("type") or "")
    intent = data["data"].get("object") or {}
    intent_id = str(intent.get("id") or "") if intent.get("object") == "payment_intent" else ""
    with transaction.atomic():
        try:
            with transaction.atomic():
                StripeEvent.objects.create(
                    event_id=event_id[:100], type=event_type[:100], payment_intent=intent_id[:64], payload=data
                )
        except IntegrityError:
            # The unique event id: another delivery of this event was (or is being) handled.
            logger.info("Stripe event %s (%s) already processed", event_id, event_type)
            return HttpResponse("already processed", content_type="text/plain")
        handler = HANDLERS.get(event_type)
        if handler is None:
            logger.info("Ignored Stripe event %s of type %s", event_id, event_type)
            return HttpResponse("ignored", content_type="text/plain")
        outcome = handler(event_id=event_id, intent=intent)
    return HttpResponse(outcome, content_type="text/plain")


def _event_of(payload: bytes) -> dict | None:
    """The event in ``payload``: a JSON object with an ``id`` and a ``data`` object whose
    ``object`` (if any) is an object too; ``None`` for anything else (a list, a string, ...)."""
    try:
        data = safe_json.loads(payload)  # also refuses nesting past any event, and NUL characters
    except ValueError:
        return None
    if not isinstance(data, dict) or not data.get("id") or not isinstance(data.get("data"), dict):
        return None
    if not isinstance(data["data"].get("object") or {}, dict):
        return None
    return data


def _payment_for(intent: dict, event_id: str) -> Payment | None:
    intent_id = intent.get("id") or ""
    payment = Payment.objects.filter(stripe_payment_intent=intent_id).first() if intent_id else None
    if payment is None:
        logger.warning(
            "Stripe event %s is for payment intent %r, which matches no payment (metadata %s)",
            event_id,
            intent_id,
            intent.get("metadata"),
        )
    return payment


def _payment_succeeded(*, event_id: str, intent: dict) -> str:
    payment = _payment_for(intent, event_id)
    if payment is None:
        return "unknown payment intent"
    amount, currency = intent.get("amount"), str(intent.get("currency") or "")
    if amount != payment.amount or currency.lower() != payment.currency.lower():
        logger.error(
            "Stripe event %s: intent %s paid %s %s but payment %s is for %s %s; nothing was changed",
            event_id,
            payment.stripe_payment_intent,
            amount,
            currency,
            payment.pk,
            payment.amount,
            payment.currency,
        )
        return "amount mismatch"
    paid, too_late = services.record_card_payment(payment=payment)
    logger.info(
        "Stripe event %s: payment %s succeeded; %d order(s) paid, %d closed before the money came",
        event_id,
        payment.pk,
        len(paid),
        len(too_late),
    )
    if too_late:
        order_ids = [order.pk for order in too_late]
        transaction.on_commit(lambda: _enqueue_late_refunds(order_ids))
    return "paid"


def _enqueue_late_refunds(order_ids: list[int]) -> None:
    """The refunds go to a task (retried with backoff); with the broker down
    (``shop.broker.publish`` logs that once) they are made here and now instead: money owed
    back never waits for a broker. What fails then is logged for a person to refund."""
    from checkout.tasks import refund_late_card_payments_task

    try:
        if publish(refund_late_card_payments_task, order_ids):
            return
        failed = refund_orders_closed_before_payment(order_ids)
    except Exception:  # without a broker the task ran here and gave up; the event is recorded
        logger.exception("Could not refund orders %s: refund them in the Stripe dashboard", order_ids)
        return
    if failed:
        logger.error("Could not refund orders %s: refund them in the Stripe dashboard", failed)


def refund_orders_closed_before_payment(order_ids: list[int]) -> list[int]:
    """Give back the money of orders that were cancelled or expired before their card payment
    arrived. Idempotent: an order already refunded is skipped, and each refund carries a
    per-order idempotency key. Returns the ids whose refund failed (the task retries them)."""
    failed = []
    orders = Order.objects.filter(pk__in=order_ids, refunded_amount=0).select_related("payment").order_by("pk")
    for order in orders:
        try:
            refund_id = stripe_provider.refund(order)
        except Exception:
            logger.exception("Could not refund order %s (%s), paid after it closed", order.number, order.status)
            failed.append(order.pk)
            continue
        # The order stays cancelled or expired; the amount records that its money went back.
        Order.objects.filter(pk=order.pk).update(refunded_amount=order.total)
        logger.warning(
            "Order %s was %s when its card payment arrived: refunded %s (%s)",
            order.number,
            order.status,
            order.total,
            refund_id,
        )
    return failed


def _payment_failed(*, event_id: str, intent: dict) -> str:
    payment = _payment_for(intent, event_id)
    if payment is None:
        return "unknown payment intent"
    # Only a pending payment fails: a failure reported after the success changes nothing.
    # The orders stay pending, so the buyer can try another card until they expire.
    changed = Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(status=Payment.Status.FAILED)
    error = intent.get("last_payment_error") or {}
    logger.info(
        "Stripe event %s: payment %s attempt failed (%s)%s",
        event_id,
        payment.pk,
        error.get("code") or "no code",
        "" if changed else "; the payment had already moved on",
    )
    return "failed" if changed else "no change"


def _payment_canceled(*, event_id: str, intent: dict) -> str:
    payment = _payment_for(intent, event_id)
    if payment is None:
        return "unknown payment intent"
    changed = Payment.objects.filter(pk=payment.pk, status__in=[Payment.Status.PENDING, Payment.Status.FAILED]).update(
        status=Payment.Status.CANCELLED
    )
    logger.info("Stripe event %s: payment %s intent cancelled%s", event_id, payment.pk, "" if changed else " (ignored)")
    return "cancelled" if changed else "no change"


HANDLERS = {
    "payment_intent.succeeded": _payment_succeeded,
    "payment_intent.payment_failed": _payment_failed,
    "payment_intent.canceled": _payment_canceled,
}
