"""A tagged product's "from" price (catalog.selectors.with_from_price) on the feed card, the
sheet a tag opens and the API: the cheapest variant in stock, as on the catalog's cards."""

import html

import pytest
from django.urls import reverse

from shop.money import format_money
from tests.catalog.test_from_price import CHEAPEST_IN_STOCK, FIRST_LISTED, SOLD_OUT_CHEAPEST, nastar
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_a_feed_card_shows_the_from_price_of_a_tagged_product(client):
    post = make_post(products=[nastar()])
    page = text(client.get(post.get_absolute_url()))
    price = page[page.index('class="price shop-post__price"') :]
    price = price[: price.index("</span>")]
    assert format_money(CHEAPEST_IN_STOCK) in price


def test_the_product_sheet_opens_at_the_price_the_card_showed(client):
    post = make_post(products=[nastar()])
    response = client.get(
        reverse("social:product_sheet", kwargs={"pk": post.tags.get().pk}), headers={"HX-Request": "true"}
    )
    assert response.context["initial_variant"].price == CHEAPEST_IN_STOCK
    sheet = text(response)
    assert f"data-variant-price>{format_money(CHEAPEST_IN_STOCK)}<" in sheet
    assert format_money(FIRST_LISTED) not in sheet.split("<script")[0]
    assert format_money(SOLD_OUT_CHEAPEST) not in sheet.split("<script")[0]


def test_the_api_gives_a_tagged_products_from_price(client):
    post = make_post(products=[nastar()])
    [product] = client.get(f"/api/v1/posts/{post.pk}/").json()["products"]
    assert (product["price"], product["in_stock"]) == (CHEAPEST_IN_STOCK, True)
