"""A store's personal offer in a chat, bought once by its shopper at the offer's prices
through checkout's special terms; every amount computed on the server from the stored terms."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from catalog.models import ProductVariant
from chat.models import Message, Offer
from checkout.exceptions import OutOfStock, TermsUnavailable
from checkout.models import Order
from checkout.terms import terms_for
from tests.chat.factories import say
from tests.chat.offer_helpers import buy, offer_setup, send
from tests.factories import UserFactory, buyable_variant

pytestmark = pytest.mark.django_db


def test_the_buyer_pays_exactly_the_offers_total_and_the_offer_is_used_with_its_order():
    chat, first, second = offer_setup()
    # 2 × Rp120.000 (special, instead of Rp150.000) + 1 × Rp40.000 at its price, Rp10.000 off,
    # shipping Rp5.000 instead of the store's Rp20.000.
    offer = send(chat, [(first, 2, 12_000_000), (second, 1, None)], discount=1_000_000, shipping=500_000)
    placed = buy(offer)
    [order] = placed.orders
    assert order.subtotal == 2 * 12_000_000 + 4_000_000
    assert order.discount == 1_000_000
    assert order.shipping == 500_000
    assert order.total - order.unique_code == 24_000_000 + 4_000_000 - 1_000_000 + 500_000
    assert sorted(order.lines.values_list("unit_price", "quantity")) == [(4_000_000, 1), (12_000_000, 2)]
    offer.refresh_from_db()
    assert (offer.status, offer.order_id) == (Offer.Status.ACCEPTED, order.pk)
    # stock taken once, at placement
    assert ProductVariant.objects.get(pk=first.pk).stock == 8
    assert ProductVariant.objects.get(pk=second.pk).stock == 9
    # the order's card is posted in the thread
    card = Message.objects.filter(conversation=chat).order_by("-id").first()
    assert (card.kind, card.order_id, card.sender_side) == (Message.Kind.ORDER, order.pk, "system")


def test_without_a_shipping_amount_the_stores_normal_shipping_is_charged():
    chat, first, _second = offer_setup(price=10_000_000)
    order = buy(send(chat, [(first, 1, 9_000_000)])).orders[0]
    assert (order.subtotal, order.shipping) == (9_000_000, 2_000_000)


def test_sending_an_offer_takes_no_stock_and_shows_it_as_a_card():
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 3, None)])
    assert ProductVariant.objects.get(pk=first.pk).stock == 10
    message = Message.objects.get(offer=offer)
    assert message.kind == Message.Kind.OFFER and message.sender_side == "store"


def test_a_used_offer_is_refused_the_second_time():
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 1, None)])
    buy(offer)
    with pytest.raises(TermsUnavailable, match="already bought"):
        buy(offer)
    assert Order.objects.filter(buyer=chat.shopper).count() == 1


def test_a_used_offer_is_refused_even_with_terms_read_before_it_was_used():
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 1, None)])
    stale = terms_for(f"offer:{offer.pk}", buyer=chat.shopper)  # a second tab, read earlier
    buy(offer)
    from checkout import services as checkout_services
    from tests.factories import AddressFactory

    with pytest.raises(TermsUnavailable):
        checkout_services.place_order(
            buyer=chat.shopper,
            terms=stale,
            address=AddressFactory(user=chat.shopper),
            payment_method="bank_transfer",
            idempotency_key="another-key",
            quote_digest="whatever",
        )


def test_an_expired_offer_is_refused():
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 1, None)])
    Offer.objects.filter(pk=offer.pk).update(valid_until=timezone.now() - timedelta(minutes=1))
    with pytest.raises(TermsUnavailable, match="expired"):
        buy(offer)
    assert ProductVariant.objects.get(pk=first.pk).stock == 10


def test_a_withdrawn_offer_is_refused_and_only_its_store_withdraws_it():
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 1, None)])
    from chat import services

    with pytest.raises(PermissionDenied):
        services.withdraw_offer(offer=offer, by=chat.shopper)
    services.withdraw_offer(offer=offer, by=chat.store.owner)
    with pytest.raises(TermsUnavailable, match="withdrew"):
        buy(offer)


def test_an_offer_whose_variant_was_deleted_is_refused_as_changed():
    chat, first, second = offer_setup()
    offer = send(chat, [(first, 1, None), (second, 1, None)])
    ProductVariant.objects.filter(pk=second.pk).delete()
    with pytest.raises(TermsUnavailable, match="no longer sold"):
        buy(offer)


def test_a_special_price_above_a_price_lowered_since_is_charged_the_lower_price():
    chat, first, _second = offer_setup(price=15_000_000)
    offer = send(chat, [(first, 1, 14_000_000)])
    ProductVariant.objects.filter(pk=first.pk).update(price=13_000_000)
    assert buy(offer).orders[0].subtotal == 13_000_000


def test_short_stock_at_placement_is_refused_and_the_offer_stays_open():
    chat, first, _second = offer_setup(stock=5)
    offer = send(chat, [(first, 4, None)])
    ProductVariant.objects.filter(pk=first.pk).update(stock=2)
    with pytest.raises(OutOfStock):
        buy(offer)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN


def test_another_buyer_cannot_see_or_use_the_offer():
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 1, None)])
    with pytest.raises(Http404):
        terms_for(f"offer:{offer.pk}", buyer=UserFactory())
    terms = terms_for(f"offer:{offer.pk}", buyer=chat.shopper)
    from checkout import services as checkout_services

    with pytest.raises(PermissionDenied):
        checkout_services.place_order(
            buyer=UserFactory(),
            terms=terms,
            address=1,
            payment_method="bank_transfer",
            idempotency_key="k",
            quote_digest="d",
        )


def test_only_the_store_sends_offers_and_only_of_its_own_products_on_sale():
    chat, first, _second = offer_setup()
    say(chat, chat.shopper)
    from chat import services
    from tests.chat.factories import client_id

    def offer_from(sender, variant, price=None, **kwargs):
        return services.send_offer(
            conversation=chat,
            sender=sender,
            client_id=client_id(),
            lines=[services.OfferLineInput(variant_id=variant.pk, quantity=1, unit_price=price)],
            valid_until=kwargs.pop("valid_until", timezone.now() + timedelta(hours=2)),
            **kwargs,
        )

    with pytest.raises(PermissionDenied):
        offer_from(chat.shopper, first)
    with pytest.raises(ValidationError, match="Only your store"):
        offer_from(chat.store.owner, buyable_variant())
    with pytest.raises(ValidationError, match="lower price"):
        offer_from(chat.store.owner, first, price=first.price + 1)
    with pytest.raises(ValidationError, match="discount"):
        offer_from(chat.store.owner, first, discount=first.price + 1)
    with pytest.raises(ValidationError, match="30 days"):
        offer_from(chat.store.owner, first, valid_until=timezone.now() - timedelta(minutes=1))
    assert not Offer.objects.exists()


def test_a_retried_offer_send_makes_one_offer():
    chat, first, _second = offer_setup()
    from chat import services

    def once():
        return services.send_offer(
            conversation=chat,
            sender=chat.store.owner,
            client_id="same-tap",
            lines=[services.OfferLineInput(variant_id=first.pk, quantity=1)],
            valid_until=timezone.now() + timedelta(hours=2),
        )

    first_offer, created = once()
    again, created_again = once()
    assert (created, created_again, again.pk) == (True, False, first_offer.pk)
    assert Offer.objects.count() == 1
