"""The store's cards from the thread page: a discount code the shopper taps to use at their
cart's checkout, and a product found by searching the store's catalog."""

import pytest

from chat.models import Message
from tests.chat.factories import conversation, store_says
from tests.factories import DiscountCodeFactory, StoreFactory, UserFactory, buyable_variant, checkout_cart

pytestmark = pytest.mark.django_db


def test_the_store_sends_one_of_its_codes_and_the_shopper_uses_it_at_checkout(client):
    store = StoreFactory()
    variant = buyable_variant(store=store, price=10_000_000)
    code = DiscountCodeFactory(store=store, code="KAKAK10", kind="percentage", value=10)
    DiscountCodeFactory(store=StoreFactory(), code="OTHER5")
    chat = conversation(shopper=UserFactory(), store=store)
    client.force_login(store.owner)
    thread = client.get(f"/chat/{chat.pk}/").content.decode()
    assert "KAKAK10" in thread and "OTHER5" not in thread
    assert client.post(f"/chat/{chat.pk}/discount/", {"client_id": "c1", "code": "KAKAK10"}).status_code == 302
    assert client.post(f"/chat/{chat.pk}/discount/", {"client_id": "c2", "code": "OTHER5"}).status_code == 400
    assert Message.objects.filter(conversation=chat, kind="discount").count() == 1

    checkout_cart(chat.shopper, (variant, 1))
    client.force_login(chat.shopper)
    thread = client.get(f"/chat/{chat.pk}/").content.decode()
    assert "Use this code" in thread
    response = client.post("/cart/apply-code/", {"code": code.code}, follow=True)
    assert response.redirect_chain[-1][0] == "/cart/"
    assert "will be taken off at checkout" in response.content.decode()
    page = client.get("/checkout/")
    assert page.context["quote"].discount == 1_000_000
    assert page.context["state"]["discount_code"] == "KAKAK10"


def test_an_unknown_code_is_refused_with_a_message(client):
    client.force_login(UserFactory())
    response = client.post("/cart/apply-code/", {"code": "NOPE"}, follow=True)
    assert "There is no such code." in response.content.decode()
    assert client.get("/checkout/").context["state"]["discount_code"] == ""


def test_the_store_searches_its_catalog_and_sends_a_product_card_with_live_price_and_stock(client):
    store = StoreFactory()
    variant = buyable_variant(store=store, price=12_500_000, stock=4)
    variant.product.title = "Kemeja Batik Parang"
    variant.product.save(update_fields=["title"])
    buyable_variant(store=StoreFactory())  # another store's: never found
    chat = conversation(shopper=UserFactory(), store=store)
    client.force_login(store.owner)
    found = client.get(f"/chat/{chat.pk}/products/", {"q": "batik"})
    assert [product.pk for product, _client_id in found.context["results"]] == [variant.product_id]
    response = client.post(
        f"/chat/{chat.pk}/product/", {"client_id": "p1", "product": variant.product_id, "variant": variant.pk}
    )
    assert response.status_code == 302
    card = Message.objects.get(conversation=chat, kind="product")
    assert card.variant_id == variant.pk
    client.force_login(chat.shopper)
    thread = client.get(f"/chat/{chat.pk}/").content.decode()
    assert "4 in stock" in thread


def test_only_the_store_searches_and_sends_cards(client):
    store = StoreFactory()
    chat = conversation(shopper=UserFactory(), store=store)
    store_says(chat)
    client.force_login(chat.shopper)
    assert client.get(f"/chat/{chat.pk}/products/").status_code == 403
    assert client.post(f"/chat/{chat.pk}/discount/", {"client_id": "x", "code": "A"}).status_code == 403
    client.force_login(UserFactory())
    assert client.get(f"/chat/{chat.pk}/products/").status_code == 404


def test_the_catalog_search_in_the_api_is_the_stores_only():
    from rest_framework.test import APIClient

    store = StoreFactory()
    variant = buyable_variant(store=store, price=9_900_000, stock=3)
    chat = conversation(shopper=UserFactory(), store=store)
    api = APIClient()
    api.force_login(store.owner)
    response = api.get(f"/api/v1/chat/conversations/{chat.pk}/products/", {"q": variant.product.title})
    assert response.status_code == 200
    [product] = response.json()
    assert product["variants"][0]["price"] == 9_900_000 and product["variants"][0]["stock"] == 3
    api.force_login(chat.shopper)
    assert api.get(f"/api/v1/chat/conversations/{chat.pk}/products/").status_code == 403
    api.force_login(UserFactory())
    assert api.get(f"/api/v1/chat/conversations/{chat.pk}/products/").status_code == 404
