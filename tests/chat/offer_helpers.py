"""Offers made through the real services, and bought through checkout's real service."""

import uuid
from datetime import timedelta

from django.utils import timezone

from chat import services
from chat.models import Offer
from checkout import services as checkout_services
from checkout.terms import terms_for
from tests.chat.factories import client_id, conversation
from tests.factories import AddressFactory, StoreFactory, UserFactory, buyable_variant


def offer_setup(*, price=15_000_000, stock=10):
    """A store with two variants on sale, a shopper, and their conversation."""
    store = StoreFactory()
    first = buyable_variant(store=store, price=price, stock=stock)
    second = buyable_variant(store=store, price=4_000_000, stock=stock)
    chat = conversation(shopper=UserFactory(), store=store)
    return chat, first, second


def send(chat, lines, *, hours=24, discount=0, shipping=None, note="Harga spesial kak") -> Offer:
    offer, _created = services.send_offer(
        conversation=chat,
        sender=chat.store.owner,
        client_id=client_id(),
        lines=[services.OfferLineInput(variant_id=v.pk, quantity=q, unit_price=p) for v, q, p in lines],
        valid_until=timezone.now() + timedelta(hours=hours),
        discount=discount,
        shipping=shipping,
        note=note,
    )
    return offer


def buy(offer, buyer=None, *, method="bank_transfer", key=None):
    """Place the offer's order as the checkout page would: quote, then place with its digest."""
    buyer = buyer or offer.shopper
    terms = terms_for(f"offer:{offer.pk}", buyer=buyer)
    quote = checkout_services.quote_for(source=terms, buyer=buyer, payment_method=method)
    address = buyer.addresses.first() or AddressFactory(user=buyer)
    return checkout_services.place_order(
        buyer=buyer,
        terms=terms,
        address=address,
        payment_method=method,
        idempotency_key=key or uuid.uuid4().hex,
        quote_digest=quote.digest,
    )
