"""Two placements of the same offer at the same moment (a double tap, two tabs, the site and
the API): threads with their own PostgreSQL connections (tests/concurrency.py).

Why this can fail: both read the offer as open before either commits. Placing locks the
offer's row (``chat.services.offers.offer_terms``, ``locked=True``) before pricing, so the second waits, then
finds it used and places nothing: one order, stock taken once.
"""

import uuid

import pytest

from catalog.models import ProductVariant
from chat.models import Message, Offer
from checkout.exceptions import TermsUnavailable
from checkout.models import Order
from tests.chat.offer_helpers import buy, offer_setup, send
from tests.concurrency import in_parallel
from tests.factories import AddressFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres_only")]


def test_two_placements_of_one_offer_at_once_make_one_order_and_take_stock_once():
    chat, first, _second = offer_setup(stock=10)
    offer = send(chat, [(first, 3, 10_000_000)])
    AddressFactory(user=chat.shopper)

    errors = in_parallel([lambda: buy(offer, key=uuid.uuid4().hex) for _ in range(4)])

    assert len(errors) == 3 and all(isinstance(error, TermsUnavailable) for error in errors), errors
    assert Order.objects.filter(buyer=chat.shopper).count() == 1
    assert ProductVariant.objects.get(pk=first.pk).stock == 7
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    assert Message.objects.filter(conversation=chat, kind=Message.Kind.ORDER).count() == 1
