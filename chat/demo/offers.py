"""The demo's accepted offer: in the first demo conversation the seller sends a personal
offer (one product at a special price, free shipping), and the shopper buys it by bank
transfer through checkout, so the thread shows the offer as bought and the order's card.
Idempotent: the offer's client id is fixed, and an offer already bought is left alone."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from catalog.models import Product, ProductVariant, Store
from chat import services
from chat.models import Conversation, Offer
from chat.services.offers import TERMS_KIND
from checkout import services as checkout_services
from checkout.demo.specs import DEMO_KEY_PREFIX
from checkout.models import Address, OrderEvent, OrderLine, PaymentMethod
from checkout.terms import terms_for

NOTE = "Harga spesial untuk kakak ya, gratis ongkir. Berlaku 2 hari 🙏"


def ensure_accepted_offer(conversation: Conversation) -> tuple[Offer | None, bool]:
    """``(offer, created)``; ``(None, False)`` when the shopper bought nothing from the store
    that is still in stock, or has no address to ship to."""
    store: Store = conversation.store
    shopper = conversation.shopper
    # Something the shopper bought from this store before (buying it again): the demo's other
    # layers (reviews) read who bought what, and a second seed run must find the same.
    bought = OrderLine.objects.filter(order__buyer=shopper, order__store=store).values("variant_id")
    variant = (
        ProductVariant.objects.filter(
            pk__in=bought, product__store=store, product__status=Product.Status.ACTIVE, stock__gte=1
        )
        .order_by("price", "id")
        .first()
    )
    address = Address.objects.filter(user=shopper).order_by("-is_default", "pk").first()
    if variant is None or address is None:
        return None, False
    # 10% off, rounded down to a thousand rupiah.
    special = max(variant.price * 9 // 10 // 100_000 * 100_000, 0)
    offer, created = services.send_offer(
        conversation=conversation,
        sender=store.owner,
        client_id=f"demo:{store.slug}:{shopper.username}:offer",
        lines=[services.OfferLineInput(variant_id=variant.pk, quantity=1, unit_price=special)],
        valid_until=timezone.now() + timedelta(days=2),
        shipping=0,
        note=NOTE,
    )
    if offer.status != Offer.Status.OPEN:
        return offer, False
    terms = terms_for(f"{TERMS_KIND}:{offer.pk}", buyer=shopper)
    method = PaymentMethod.BANK_TRANSFER
    quote = checkout_services.quote_for(source=terms, buyer=shopper, payment_method=method)
    if not quote.can_place:  # a store that takes no transfers: the offer stays open
        return offer, created
    placed = checkout_services.place_order(
        buyer=shopper,
        terms=terms,
        address=address,
        payment_method=method,
        idempotency_key=f"{DEMO_KEY_PREFIX}offer-{offer.pk}-{uuid.uuid4().hex[:8]}",
        quote_digest=quote.digest,
    )
    for order in placed.orders:  # the timeline starts when the order was placed, as the demo's others
        OrderEvent.objects.filter(order=order, from_status="").update(created_at=order.placed_at)
    offer.refresh_from_db()
    return offer, created
