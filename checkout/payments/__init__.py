"""How orders are paid: the provider interface and the three providers.

- ``card`` (``checkout.payments.stripe``): one Stripe PaymentIntent per checkout, paid only
  through the signed webhook; shown only when Stripe keys are set.
- ``bank_transfer``: the buyer transfers to the store's account (amount with a unique code,
  optional proof upload); the seller confirms (``services.confirm_transfer``).
- ``cod``: cash at the door; paid when the seller marks it delivered.

Views, the admin and the API call these functions, never a provider's SDK directly.
"""

from __future__ import annotations

from checkout.models import Order, Payment, PaymentMethod
from checkout.services import transitions
from shop.models import User


def refund_order(*, order: Order, actor: User | None, note: str = "") -> Order:
    """Give ``order``'s money back and mark it refunded.

    A card order is refunded through Stripe first (an idempotent request, so a retry never
    refunds twice); bank transfers and cash are refunded by the seller outside the site,
    and this records it.
    """
    if order.payment_method == PaymentMethod.CARD:
        from checkout.payments import stripe as stripe_provider

        transitions._require(actor, order, seller=True)
        if not transitions.can_transition(order=order, to_status="refunded"):
            # Let the service raise its clear message before money moves.
            return transitions.record_refund(order=order, actor=actor, note=note)
        stripe_provider.refund(order=order)
    return transitions.record_refund(order=order, actor=actor, note=note)


def client_secret(payment: Payment) -> str:
    """The PaymentIntent client secret the Payment Element needs (created on first call)."""
    from checkout.payments import stripe as stripe_provider

    return stripe_provider.ensure_intent(payment)
