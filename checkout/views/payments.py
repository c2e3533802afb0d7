"""Paying a checkout by card, and Stripe's webhook.

Routes (namespace ``checkout``):

- ``pay_card`` ``pay/<payment_id>/``: the checkout's orders, the amount and Stripe's
  Payment Element (Stripe.js is loaded on this page only, and only when card payments are on);
- ``pay_card_done`` ``pay/<payment_id>/done/``: where Stripe sends the buyer back. It shows
  what the server knows (paid, still processing, failed); the query string Stripe appends
  is never trusted: only the webhook marks orders paid;
- ``stripe_webhook`` ``stripe/webhook/``: see ``checkout.webhooks``.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from checkout import payments, webhooks
from checkout.models import OrderStatus, Payment, PaymentMethod
from checkout.payments import stripe as stripe_provider
from checkout.pricing import card_payments_enabled

# The buyer's view of a checkout, from the server's records.
PAID, PROCESSING, FAILED, CLOSED = "paid", "processing", "failed", "closed"
UNPAID = {OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED, OrderStatus.EXPIRED}


def _own_card_payment(request, payment_id: int) -> Payment:
    """The buyer's own card checkout; anyone else's (or none) is a 404."""
    return get_object_or_404(Payment, pk=payment_id, buyer=request.user, method=PaymentMethod.CARD)


def _state(payment: Payment, orders) -> str:
    if payment.status == Payment.Status.SUCCEEDED or any(order.status not in UNPAID for order in orders):
        return PAID
    if not stripe_provider.payable_orders(payment) or payment.status == Payment.Status.CANCELLED:
        return CLOSED
    if payment.status == Payment.Status.FAILED:
        return FAILED
    return PROCESSING


def _context(payment: Payment) -> dict:
    orders = list(payment.orders.select_related("store").order_by("pk"))
    return {"payment": payment, "orders": orders, "state": _state(payment, orders)}


# Where Stripe.js comes from, and what it loads and calls (Stripe's own list for its Payment
# Element: https://docs.stripe.com/security/guide#content-security-policy).
STRIPE_FRAMES = ["https://js.stripe.com", "https://hooks.stripe.com"]
STRIPE_API = ["https://api.stripe.com"]


def allow_stripe_js(view):
    """The site's Content-Security-Policy (shop/settings.py) plus what Stripe.js needs, for
    the one page that takes a card. The script's origin is read from ``STRIPE_JS_URL`` on each
    request (the tests point it at localstripe)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        url = urlsplit(settings.STRIPE_JS_URL)
        origin = f"{url.scheme}://{url.netloc}"
        stripe = {"script-src": [origin], "frame-src": [origin, *STRIPE_FRAMES], "connect-src": [origin, *STRIPE_API]}
        return csp_update(stripe)(view)(request, *args, **kwargs)

    return wrapped


@require_GET
@login_required
@never_cache  # the page carries the intent's client secret: no shared or browser cache
@allow_stripe_js
def pay_card(request, payment_id: int):
    payment = _own_card_payment(request, payment_id)
    context = _context(payment)
    status = 200
    if context["state"] in (PROCESSING, FAILED):
        try:
            context["client_secret"] = payments.client_secret(payment)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
            status = 400
        else:
            context.update(
                stripe_js_url=settings.STRIPE_JS_URL if card_payments_enabled() else "",
                publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
                return_url=request.build_absolute_uri(reverse("checkout:pay_card_done", args=[payment.pk])),
                stripe_locale=(get_language() or "auto").split("-")[0],
            )
    return render(request, "checkout/pay_card.html", context, status=status)


@require_GET
@login_required
@never_cache
def pay_card_done(request, payment_id: int):
    # Stripe appends ?payment_intent=...&redirect_status=...: deliberately ignored.
    payment = _own_card_payment(request, payment_id)
    context = _context(payment)
    return render(request, "checkout/pay_card_done.html", context)


urlpatterns = [
    path("pay/<int:payment_id>/", pay_card, name="pay_card"),
    path("pay/<int:payment_id>/done/", pay_card_done, name="pay_card_done"),
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
