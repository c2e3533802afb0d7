""" "Buy now" through the REST API: the quote and place endpoints take an optional ``item``
(a variant and a quantity) instead of the cart, with the cart's rules (the quote's digest, the
409s, the idempotency key) and the cart left as it was."""

import uuid

import pytest
from rest_framework.test import APIClient

from catalog.models import ProductVariant
from checkout.models import CartLine, Order, OrderLine
from tests.factories import AddressFactory, UserFactory, buyable_variant, checkout_cart

pytestmark = pytest.mark.django_db

QUOTE = "/api/v1/checkout/quote/"
PLACE = "/api/v1/checkout/place/"


def shopper(*cart):
    """A signed-in API client of a buyer with an address and ``cart``'s (variant, quantity) pairs."""
    buyer = UserFactory()
    checkout_cart(buyer, *cart)
    address = AddressFactory(user=buyer, is_default=True)
    client = APIClient()
    client.force_login(buyer)
    return buyer, address, client


def cart_contents(buyer) -> set[tuple[int, int]]:
    return set(CartLine.objects.filter(cart__user=buyer).values_list("variant_id", "quantity"))


def quote_item(client, variant, quantity, method="bank_transfer"):
    return client.post(
        QUOTE, {"item": {"variant": variant.pk, "quantity": quantity}, "payment_method": method}, format="json"
    )


def place_body(client, address, variant, quantity, *, key=None) -> dict:
    """What a client sends to buy ``quantity`` of ``variant`` now: the digest of the quote it showed."""
    shown = quote_item(client, variant, quantity)
    assert shown.status_code == 200, shown.content
    return {
        "item": {"variant": variant.pk, "quantity": quantity},
        "address": address.pk,
        "payment_method": "bank_transfer",
        "idempotency_key": key or uuid.uuid4().hex,
        "quote_digest": shown.json()["digest"],
    }


def stock(variant) -> int:
    return ProductVariant.objects.get(pk=variant.pk).stock


def test_the_quote_of_an_item_is_of_that_item_alone_and_reads_no_cart():
    # given a cart holding other things, and one of the same variant
    in_cart, bought = buyable_variant(price=5_000_000), buyable_variant(price=7_500_000, stock=5)
    buyer, _address, client = shopper((in_cart, 2), (bought, 1))
    # when
    response = quote_item(client, bought, 3)
    # then
    assert response.status_code == 200, response.content
    shown = response.json()
    lines = [line for store in shown["stores"] for line in store["lines"]]
    assert [(line["variant"], line["quantity"]) for line in lines] == [(bought.pk, 3)]
    assert shown["subtotal"] == 3 * 7_500_000
    assert shown["can_place"] is True
    assert shown["address"] == buyer.addresses.get().pk


def test_buying_now_through_the_api_places_only_that_item_and_leaves_the_cart_as_it_was():
    # given
    in_cart, bought = buyable_variant(stock=9), buyable_variant(price=7_500_000, stock=5)
    buyer, address, client = shopper((in_cart, 2), (bought, 1))
    before = cart_contents(buyer)
    body = place_body(client, address, bought, 2)
    assert stock(bought) == 5  # a quote holds nothing
    # when
    response = client.post(PLACE, body, format="json")
    # then
    assert response.status_code == 201, response.content
    order = Order.objects.get(buyer=buyer)
    assert list(OrderLine.objects.filter(order=order).values_list("variant_id", "quantity")) == [(bought.pk, 2)]
    assert response.json()["orders"][0]["number"] == order.number
    assert order.subtotal == 2 * 7_500_000
    assert cart_contents(buyer) == before
    assert (stock(bought), stock(in_cart)) == (3, 9)


def test_placing_a_buy_now_twice_with_the_same_key_places_it_once():
    # given
    bought = buyable_variant(stock=10)
    buyer, address, client = shopper()
    body = place_body(client, address, bought, 2, key="same-key")
    # when
    first = client.post(PLACE, body, format="json")
    again = client.post(PLACE, body, format="json")
    # then
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert again.json()["id"] == first.json()["id"]
    assert Order.objects.filter(buyer=buyer).count() == 1
    assert stock(bought) == 8
    assert not CartLine.objects.exists()


def test_a_replay_finds_the_first_checkout_even_when_the_item_sold_out_since():
    bought = buyable_variant(stock=2)
    _buyer, address, client = shopper()
    body = place_body(client, address, bought, 2)
    assert client.post(PLACE, body, format="json").status_code == 201
    assert client.post(PLACE, body, format="json").status_code == 200
    assert Order.objects.count() == 1 and stock(bought) == 0


def test_a_price_changed_between_quote_and_place_is_a_409_with_the_new_quote():
    # given
    bought = buyable_variant(price=15_000_000, stock=3)
    buyer, address, client = shopper()
    body = place_body(client, address, bought, 1)
    ProductVariant.objects.filter(pk=bought.pk).update(price=17_500_000)
    # when
    response = client.post(PLACE, body, format="json")
    # then
    assert response.status_code == 409, response.content
    error = response.json()
    assert error["code"] == "quote_changed"
    assert (error["quote"]["subtotal"], error["quote"]["can_place"]) == (17_500_000, True)
    assert not Order.objects.exists() and stock(bought) == 3
    # and the new quote's digest places at the new price
    placed = client.post(PLACE, {**body, "quote_digest": error["quote"]["digest"]}, format="json")
    assert placed.status_code == 201, placed.content
    assert Order.objects.get(buyer=buyer).subtotal == 17_500_000


def test_too_little_stock_at_placing_is_a_409_out_of_stock_and_nothing_is_bought():
    # given the quote was shown, then someone bought most of the stock
    bought, in_cart = buyable_variant(stock=3), buyable_variant()
    buyer, address, client = shopper((in_cart, 1))
    body = place_body(client, address, bought, 2)
    ProductVariant.objects.filter(pk=bought.pk).update(stock=1)
    # when
    response = client.post(PLACE, body, format="json")
    # then
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "out_of_stock"
    assert "Only 1 left." in response.json()["detail"]
    assert not Order.objects.exists() and stock(bought) == 1
    assert cart_contents(buyer) == {(in_cart.pk, 1)}


def test_a_variant_not_on_sale_or_unknown_is_a_400_under_item():
    # given another seller's product still in draft, and a variant that does not exist
    draft = buyable_variant()  # in its own store, of another seller
    draft.product.status = "draft"
    draft.product.save()
    gone = buyable_variant()
    _buyer, address, client = shopper()
    gone_body = place_body(client, address, gone, 1)
    ProductVariant.objects.filter(pk=gone.pk).delete()
    # when / then: quoting either names the item's variant
    for variant_id in (draft.pk, gone.pk):
        response = client.post(QUOTE, {"item": {"variant": variant_id, "quantity": 1}}, format="json")
        assert response.status_code == 400, response.content
        assert response.json() == {"item": {"variant": ["This product is not on sale."]}}
    # and placing a variant gone since the quote
    response = client.post(PLACE, gone_body, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {"item": {"variant": ["This product is not on sale."]}}
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "item",
    [
        {"variant": 1, "quantity": 0},
        {"variant": 1, "quantity": -1},
        {"variant": 1, "quantity": 100},  # past the line maximum
        {"variant": 1, "quantity": 2**31},  # past the column
        {"variant": 1, "quantity": 2**64},
        {"variant": 2**64, "quantity": 1},
        {"variant": "x", "quantity": 1},
        {"quantity": 1},
        "one",
        [],
    ],
)
def test_an_item_out_of_bounds_is_a_400_naming_it(item):
    variant = buyable_variant(stock=1000)
    _buyer, address, client = shopper()
    if isinstance(item, dict) and item.get("variant") == 1:
        item = {**item, "variant": variant.pk}
    body = {**place_body(client, address, variant, 1), "item": item}
    for url in (QUOTE, PLACE):
        response = client.post(url, body, format="json")
        assert response.status_code == 400, (url, response.content)
        assert set(response.json()) == {"item"}
    assert not Order.objects.exists() and stock(variant) == 1000


def test_quoting_more_than_the_stock_is_a_400_as_pressing_buy_now_is():
    variant = buyable_variant(stock=2)
    _buyer, _address, client = shopper()
    response = quote_item(client, variant, 3)
    assert response.status_code == 400
    assert response.json() == {"item": {"quantity": ["Only 2 left in stock."]}}


def test_the_schema_documents_the_item_on_the_quote_and_place_requests(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    for request in ("QuoteRequestRequest", "PlaceOrderRequest"):
        item = components[request]["properties"]["item"]
        assert "BuyNowItemRequest" in str(item), item
        assert "item" not in components[request].get("required", [])
    assert set(components["BuyNowItemRequest"]["properties"]) == {"variant", "quantity"}
