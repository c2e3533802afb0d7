""" "Buy now" buys just the item and quantity chosen, leaving the cart as it was (as
Tokopedia's "Beli langsung"): the choice is kept in the session, priced by the server, and
stock is taken only when the order is placed."""

import re

import pytest

from catalog.models import ProductVariant
from checkout.models import CartLine, Order, OrderLine
from tests.factories import AddressFactory, UserFactory, buyable_variant, checkout_cart

pytestmark = pytest.mark.django_db

BUY_NOW = "/cart/buy-now/"
PLACE = "/checkout/place/"


def hidden(response, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', response.content.decode())
    assert match, f"no hidden {name} in the page"
    return match.group(1)


def buyer_with_a_cart(client, *variants_and_quantities):
    buyer = UserFactory()
    checkout_cart(buyer, *variants_and_quantities)
    AddressFactory(user=buyer, is_default=True)
    client.force_login(buyer)
    return buyer


def cart_contents(buyer) -> set[tuple[int, int]]:
    return set(CartLine.objects.filter(cart__user=buyer).values_list("variant_id", "quantity"))


def buy_now(client, variant, quantity):
    response = client.post(BUY_NOW, {"variant": variant.pk, "quantity": str(quantity)}, follow=True)
    assert response.status_code == 200, response.content
    return response


def client_post(page, buyer):
    """Press "Place order" on ``page`` as shown."""
    data = {
        "source": hidden(page, "source"),
        "address": str(buyer.addresses.get(is_default=True).pk),
        "payment_method": page.context["state"]["payment_method"],
        "idempotency_key": hidden(page, "idempotency_key"),
        "quote_digest": hidden(page, "quote_digest"),
    }
    return page.client.post(PLACE, data)


def test_the_checkout_page_shows_only_the_item_bought_now(client):
    # given a cart holding other things (and one of the same variant)
    in_cart, other, bought = buyable_variant(price=5_000_000), buyable_variant(), buyable_variant(price=7_500_000)
    buyer_with_a_cart(client, (in_cart, 2), (other, 1), (bought, 1))
    # when "Buy now" is pressed for 3 of one variant
    page = buy_now(client, bought, 3)
    # then the checkout shows just that line, priced by the server
    quote = page.context["quote"]
    assert [(line.variant.pk, line.quantity) for line in quote.lines] == [(bought.pk, 3)]
    assert quote.subtotal == 3 * 7_500_000
    assert hidden(page, "source") == "buy_now"
    assert other.product.title not in page.content.decode()


def test_a_buy_now_order_leaves_the_cart_as_it_was_and_takes_stock_only_when_placed(client):
    # given
    in_cart, bought = buyable_variant(stock=9), buyable_variant(price=7_500_000, stock=5)
    buyer = buyer_with_a_cart(client, (in_cart, 2), (bought, 1))
    before = cart_contents(buyer)
    # when "Buy now" is pressed: no stock is held yet
    page = buy_now(client, bought, 2)
    assert ProductVariant.objects.get(pk=bought.pk).stock == 5
    # and the order is placed
    response = client_post(page, buyer)
    # then the order is just that item; the cart is unchanged, the stock taken once
    assert response.status_code == 302, response.content
    order = Order.objects.get(buyer=buyer)
    assert list(OrderLine.objects.filter(order=order).values_list("variant_id", "quantity")) == [(bought.pk, 2)]
    assert order.subtotal == 2 * 7_500_000
    assert cart_contents(buyer) == before
    assert ProductVariant.objects.get(pk=bought.pk).stock == 3
    assert ProductVariant.objects.get(pk=in_cart.pk).stock == 9
    # and the choice is used up: the page has nothing left to buy
    assert not client.get("/checkout/?source=buy_now").context["quote"].lines


def test_pressing_buy_now_twice_does_not_double(client):
    bought = buyable_variant(stock=10)
    buyer = buyer_with_a_cart(client)
    buy_now(client, bought, 2)
    page = buy_now(client, bought, 2)
    assert [(line.variant.pk, line.quantity) for line in page.context["quote"].lines] == [(bought.pk, 2)]
    assert client_post(page, buyer).status_code == 302
    assert OrderLine.objects.get().quantity == 2
    assert not CartLine.objects.exists()


def test_pressing_place_order_twice_finds_the_first_buy_now_checkout(client):
    bought = buyable_variant(stock=10)
    buyer = buyer_with_a_cart(client)
    page = buy_now(client, bought, 1)
    first, second = client_post(page, buyer), client_post(page, buyer)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Order.objects.count() == 1 and ProductVariant.objects.get(pk=bought.pk).stock == 9


def test_buy_now_refuses_more_than_the_stock_and_a_product_not_on_sale(client):
    buyer_with_a_cart(client)
    short = buyable_variant(stock=1)
    response = client.post(BUY_NOW, {"variant": short.pk, "quantity": "2"}, follow=True)
    assert "Only 1 left in stock." in response.content.decode()
    response = client.post(BUY_NOW, {"variant": "99999999", "quantity": "1"}, follow=True)
    assert "This product is not on sale." in response.content.decode()
    assert not CartLine.objects.exists()


def test_placing_a_buy_now_without_a_choice_in_the_session_places_nothing(client):
    bought = buyable_variant()
    buyer = buyer_with_a_cart(client, (bought, 1))
    page = buy_now(client, bought, 1)
    session = client.session
    session.pop("checkout_buy_now")
    session.save()
    response = client_post(page, buyer)
    assert response.status_code == 400 and "Choose the item again." in response.content.decode()
    assert not Order.objects.exists() and CartLine.objects.count() == 1


def test_adding_an_address_from_a_buy_now_checkout_comes_back_to_it(client):
    # given a "Buy now" checkout (the cart holds something else)
    buyer = buyer_with_a_cart(client, (buyable_variant(), 1))
    bought = buyable_variant(price=7_500_000)
    page = buy_now(client, bought, 1)
    # when the shopper adds a new address from it
    link = re.search(r'href="(/addresses/new/\?next=[^"]+)"', page.content.decode())
    assert link, "no link to add an address on the checkout"
    response = client.post(
        link.group(1),
        {
            "label": "Office",
            "recipient": "Dewi Lestari",
            "phone": "0812 3456 7890",
            "street": "Jl. Sudirman Kav. 52",
            "district": "Setiabudi",
            "city": "Jakarta Selatan",
            "province": "DKI Jakarta",
            "postal_code": "12190",
        },
    )
    # then they are back on the "Buy now" checkout of that item, not the cart's
    assert response.status_code == 302 and response.url == "/checkout/?source=buy_now"
    page = client.get(response.url)
    assert [line.variant.pk for line in page.context["quote"].lines] == [bought.pk]
    assert buyer.addresses.count() == 2
