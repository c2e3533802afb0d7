"""Offers through the API: the store sends, the shopper quotes and buys at the offer's terms
(amounts from the server only), everyone else gets 404; used, expired and withdrawn answer 409."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import ProductVariant
from chat.models import Offer
from checkout.models import Order
from tests.chat.offer_helpers import offer_setup, send
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def url(name, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs=kwargs)


def test_the_store_sends_an_offer_and_a_retry_returns_it():
    chat, first, second = offer_setup()
    body = {
        "client_id": "offer-1",
        "lines": [
            {"variant": first.pk, "quantity": 2, "unit_price": 12_000_000},
            {"variant": second.pk, "quantity": 1},
        ],
        "discount": 1_000_000,
        "shipping": 0,
        "valid_until": (timezone.now() + timedelta(hours=5)).isoformat(),
        "note": "Khusus kakak",
    }
    seller = client_for(chat.store.owner)
    response = seller.post(url("chat-offers", pk=chat.pk), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "open" and data["discount"] == 1_000_000 and data["shipping"] == 0
    assert [line["stock"] for line in data["lines"]] == [10, 10]
    assert seller.post(url("chat-offers", pk=chat.pk), body, format="json").status_code == 200
    assert Offer.objects.count() == 1
    # the thread's message carries the offer
    messages = client_for(chat.shopper).get(url("chat-messages", pk=chat.pk)).json()["results"]
    assert messages[-1]["kind"] == "offer" and messages[-1]["offer"]["id"] == data["id"]


def test_the_shopper_cannot_send_an_offer_and_a_stranger_gets_404():
    chat, first, _second = offer_setup()
    body = {
        "client_id": "x",
        "lines": [{"variant": first.pk, "quantity": 1}],
        "valid_until": (timezone.now() + timedelta(hours=5)).isoformat(),
    }
    assert client_for(chat.shopper).post(url("chat-offers", pk=chat.pk), body, format="json").status_code == 403
    assert client_for(UserFactory()).post(url("chat-offers", pk=chat.pk), body, format="json").status_code == 404


def test_the_shopper_quotes_and_buys_at_the_offers_total_once():
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 2, 12_000_000)], discount=1_000_000, shipping=500_000)
    address = AddressFactory(user=chat.shopper, is_default=True)
    shopper = client_for(chat.shopper)
    quote = shopper.post(url("chat-offer-quote", pk=offer.pk), {"payment_method": "bank_transfer"}, format="json")
    assert quote.status_code == 200, quote.json()
    assert quote.json()["total"] == 24_000_000 - 1_000_000 + 500_000
    body = {
        "address": address.pk,
        "payment_method": "bank_transfer",
        "idempotency_key": uuid.uuid4().hex,
        "quote_digest": quote.json()["digest"],
        "total": 1,  # ignored
    }
    placed = shopper.post(url("chat-offer-place", pk=offer.pk), body, format="json")
    assert placed.status_code == 201, placed.json()
    order = Order.objects.get(buyer=chat.shopper)
    assert order.total - order.unique_code == 23_500_000
    assert ProductVariant.objects.get(pk=first.pk).stock == 8
    # the same key again: the first checkout; a new key: 409, nothing more placed
    assert shopper.post(url("chat-offer-place", pk=offer.pk), body, format="json").status_code == 200
    again = shopper.post(url("chat-offer-place", pk=offer.pk), {**body, "idempotency_key": "new"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "offer_unavailable"
    assert Order.objects.count() == 1 and ProductVariant.objects.get(pk=first.pk).stock == 8
    assert client_for(chat.store.owner).get(url("chat-offer", pk=offer.pk)).json()["status"] == "accepted"


def test_another_buyer_gets_404_on_every_offer_endpoint():
    chat, first, _second = offer_setup()
    offer = send(chat, [(first, 1, None)])
    stranger = UserFactory()
    client = client_for(stranger)
    body = {
        "address": AddressFactory(user=stranger).pk,
        "payment_method": "bank_transfer",
        "idempotency_key": "k",
        "quote_digest": "d",
    }
    assert client.get(url("chat-offer", pk=offer.pk)).status_code == 404
    assert client.post(url("chat-offer-quote", pk=offer.pk), {}, format="json").status_code == 404
    assert client.post(url("chat-offer-place", pk=offer.pk), body, format="json").status_code == 404
    assert client.post(url("chat-offer-withdraw", pk=offer.pk)).status_code == 404
    # the store's owner sees it but cannot buy it (it is not their offer to buy)
    seller = client_for(chat.store.owner)
    assert seller.post(url("chat-offer-quote", pk=offer.pk), {}, format="json").status_code == 404
    assert not Order.objects.exists()


def test_expired_and_withdrawn_offers_answer_409():
    chat, first, _second = offer_setup()
    expired = send(chat, [(first, 1, None)])
    Offer.objects.filter(pk=expired.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    shopper = client_for(chat.shopper)
    response = shopper.post(url("chat-offer-quote", pk=expired.pk), {}, format="json")
    assert response.status_code == 409 and "expired" in response.json()["detail"]
    withdrawn = send(chat, [(first, 1, None)])
    seller = client_for(chat.store.owner)
    assert shopper.post(url("chat-offer-withdraw", pk=withdrawn.pk)).status_code == 403
    assert seller.post(url("chat-offer-withdraw", pk=withdrawn.pk)).json()["status"] == "withdrawn"
    assert seller.post(url("chat-offer-withdraw", pk=withdrawn.pk)).status_code == 409
    response = shopper.post(url("chat-offer-quote", pk=withdrawn.pk), {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "offer_unavailable"
