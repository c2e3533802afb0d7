"""Query budgets on checkout's hot paths: the checkout page and placing the order cost the
same number of queries whatever the number of lines (the page also whatever the number of
stores; placing adds a fixed few per store: its order row and its seller's notification)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checkout.models import Order
from tests.factories import AddressFactory, StoreFactory, UserFactory, buyable_variant, checkout_cart

pytestmark = pytest.mark.django_db

# Measured the same on SQLite and PostgreSQL. The checkout page: 8 (session, user and the
# header's store link, then cart, lines, variants with products, stores and settings, pictures,
# addresses), whatever the lines and stores; the budget leaves 2 for the header. Placing 6
# lines from 3 stores: 38, that is 23 + 5 per store: the order row (in a savepoint, 3) and the
# seller's "new order" notification with its email delivery (2 inserts). Of the 23, the buyer's
# one confirmation for the whole checkout is 2 inserts and loading the stores' owners is 1.
# (It was 29 = 20 + 3 per store before orders notified anyone.)
CHECKOUT_PAGE_MAX = 10
PLACE_ORDER_MAX = 38


def shopper_with_cart(client, *, lines: int, stores: int):
    """A signed-in shopper whose cart holds ``lines`` lines spread over ``stores`` stores."""
    shops = [StoreFactory() for _ in range(stores)]
    buyer = UserFactory()
    checkout_cart(buyer, *[(buyable_variant(store=shops[index % stores], stock=50), 1) for index in range(lines)])
    AddressFactory(user=buyer, is_default=True)
    client.force_login(buyer)
    return buyer


def queries_for(request) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code in (200, 302), response.status_code
    return [query["sql"] for query in captured.captured_queries]


def checkout_page_queries(client, *, lines: int, stores: int) -> list[str]:
    shopper_with_cart(client, lines=lines, stores=stores)
    return queries_for(lambda: client.get("/checkout/"))


def place_order_queries(client, *, lines: int, stores: int) -> list[str]:
    buyer = shopper_with_cart(client, lines=lines, stores=stores)
    page = client.get("/checkout/")
    html = page.content.decode()
    data = {
        "address": str(buyer.addresses.get().pk),
        "payment_method": "bank_transfer",
        "idempotency_key": re.search(r'name="idempotency_key" value="(\w+)"', html).group(1),
        "quote_digest": re.search(r'name="quote_digest" value="(\w+)"', html).group(1),
    }
    queries = queries_for(lambda: client.post("/checkout/place/", data))
    assert Order.objects.filter(buyer=buyer).count() == stores
    return queries


def test_the_checkout_page_costs_the_same_for_2_lines_and_for_6_lines_over_3_stores(client):
    checkout_page_queries(client, lines=1, stores=1)  # warm caches (content types, sites)
    small = checkout_page_queries(client, lines=2, stores=1)
    large = checkout_page_queries(client, lines=6, stores=3)
    assert len(small) == len(large), "\n".join(large)
    assert len(large) <= CHECKOUT_PAGE_MAX, "\n".join(large)


def test_placing_costs_the_same_for_2_and_6_lines_from_the_same_stores(client):
    place_order_queries(client, lines=1, stores=1)  # warm caches
    small = place_order_queries(client, lines=2, stores=2)
    large = place_order_queries(client, lines=6, stores=2)
    assert len(small) == len(large), "\n".join(large)
    three_stores = place_order_queries(client, lines=6, stores=3)
    assert len(three_stores) <= PLACE_ORDER_MAX, "\n".join(three_stores)


def test_placing_adds_only_the_order_row_and_the_sellers_notification_per_store(client):
    # One order per store: its INSERT, in a savepoint so a clash of order numbers is retried (3),
    # and its seller's "new order" notification and email delivery (2 INSERTs).
    place_order_queries(client, lines=1, stores=1)  # warm caches
    one = place_order_queries(client, lines=3, stores=1)
    three = place_order_queries(client, lines=3, stores=3)
    assert len(three) - len(one) == 2 * (3 + 2), "\n".join(three)
