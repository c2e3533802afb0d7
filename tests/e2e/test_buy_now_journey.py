""" "Buy now" in a real browser: from a product page (htmx), a checkout of just that item and
quantity, placed, with the cart left as it was."""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from checkout.models import CartLine, OrderLine
from tests.factories import AddressFactory, UserFactory, buyable_variant, checkout_cart

pytestmark = pytest.mark.django_db(transaction=True)


def test_buy_now_checks_out_just_that_item_and_leaves_the_cart_alone(page, live_server):
    # given a signed-in shopper whose cart holds something else
    in_cart = buyable_variant(price=5_000_000)
    bought = buyable_variant(price=7_500_000, stock=5)
    shopper = UserFactory()
    checkout_cart(shopper, (in_cart, 1))
    AddressFactory(user=shopper, is_default=True)
    session = Client()
    session.force_login(shopper)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    # when they choose 2 on the product page and press "Buy now"
    page.goto(bought.product.get_absolute_url())
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Buy now").click()
    # then the checkout shows that item only, twice, priced by the server
    expect(page).to_have_url(re.compile(r"/checkout/\?source=buy_now$"))
    expect(page.get_by_role("heading", name="Buy now", level=1)).to_be_visible()
    lines = page.locator(".checkout-line")
    expect(lines).to_have_count(1)
    expect(lines.first.locator(".checkout-line__title")).to_have_text(bought.product.title)
    expect(lines.first.locator(".checkout-line__quantity")).to_have_text("2 × IDR75,000")
    # and placing it orders just that, leaving the cart as it was
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/orders/placed/\d+/$"))
    assert list(OrderLine.objects.values_list("variant_id", "quantity")) == [(bought.pk, 2)]
    assert list(CartLine.objects.filter(cart__user=shopper).values_list("variant_id", "quantity")) == [(in_cart.pk, 1)]
