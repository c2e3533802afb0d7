"""GET /api/v1/chat/conversations/{id}/buyer/: the buyer panel for the store's side, the same
figures as the page; a 404 for the shopper (and, in test_api.py, for everyone else)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from chat import services
from checkout import services as checkout_services
from social.services.profiles import follow, profile_for_store
from tests.chat.factories import conversation
from tests.factories import UserFactory, buyable_variant, checkout_cart, place

pytestmark = pytest.mark.django_db

# The session (read from the database when there is no Redis cache) and its user, the
# conversation, and the panel's five.
QUERIES = 8


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_the_seller_reads_the_buyer_panel():
    # given a buyer with two paid orders and one unpaid, following the store, a line in the
    # cart, and the store's label and note on the chat
    variant = buyable_variant(price=100_000, stock=50)
    chat = conversation(shopper=UserFactory(), store=variant.store)
    owner = chat.store.owner
    orders = [place(chat.shopper, (variant, quantity)).orders[0] for quantity in (1, 2, 3)]
    for order in orders[:2]:
        checkout_services.confirm_transfer(order=order, actor=owner)
    follow(follower=chat.shopper, profile=profile_for_store(store=chat.store))
    checkout_cart(chat.shopper, (variant, 4))
    vip = services.create_label(store=chat.store, actor=owner, name="VIP")
    services.create_label(store=chat.store, actor=owner, name="Unused")
    services.set_labels(conversation=chat, actor=owner, label_ids=[vip.pk])
    services.set_note(conversation=chat, actor=owner, note="<b>Suka biru</b>")

    # when the seller asks
    response = client_for(owner).get(reverse("api:chat-buyer-panel", kwargs={"pk": chat.pk}))

    # then the figures are the panel's
    assert response.status_code == 200
    data = response.json()
    for order in orders:
        order.refresh_from_db()
    assert data["conversation"] == chat.pk
    assert [order["number"] for order in data["orders"]] == [order.number for order in reversed(orders)]
    assert data["orders"][0]["status"] == "pending_payment"
    assert data["orders"][0]["admin_url"].endswith(reverse("admin:checkout_order_change", args=[orders[2].pk]))
    assert (data["order_count"], data["paid_order_count"]) == (3, 2)
    assert data["total_spent"] == orders[0].total + orders[1].total
    assert data["repeat_buyer"] is True and data["follows_store"] is True
    assert data["cart"]["lines"] == [
        {
            "variant": variant.pk,
            "product": variant.product.title,
            "product_slug": variant.product.slug,
            "variant_label": variant.label,
            "quantity": 4,
            "unit_price": 100_000,
            "unit_price_display": data["cart"]["lines"][0]["unit_price_display"],
            "price_seen": 100_000,
        }
    ]
    assert (data["cart"]["item_count"], data["cart"]["subtotal"]) == (4, 400_000)
    assert data["labels"] == [{"id": vip.pk, "name": "VIP"}]
    assert data["store_note"] == "<b>Suka biru</b>"  # plain text: the client escapes it


def test_the_shopper_gets_404():
    chat = conversation()
    services.set_note(conversation=chat, actor=chat.store.owner, note="secret")

    response = client_for(chat.shopper).get(reverse("api:chat-buyer-panel", kwargs={"pk": chat.pk}))

    assert response.status_code == 404
    assert "secret" not in response.text


def test_the_endpoint_costs_the_same_whatever_the_history(django_assert_max_num_queries):
    # given a buyer with one order and cart line, and then with five
    variant = buyable_variant(stock=100)
    chat = conversation(shopper=UserFactory(), store=variant.store)
    client = client_for(chat.store.owner)
    address = reverse("api:chat-buyer-panel", kwargs={"pk": chat.pk})
    counts = []
    for more in (1, 4):
        for _ in range(more):
            place(chat.shopper, (variant, 1))
            checkout_cart(chat.shopper, (buyable_variant(store=chat.store), 1))
        client.get(address)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address).status_code == 200
        counts.append(len(queries))

    # then the count did not grow, and stays within the budget
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(QUERIES):
        client.get(address)
