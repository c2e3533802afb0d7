"""A product's "from" price is the lowest price it can be bought at: that of the cheapest
variant in stock (of all variants when all are sold out, then shown as sold out). Cards,
the product list's price sort and filter, the product page and the API agree."""

import html

import pytest
from django.urls import reverse

from catalog.models import Product
from shop.money import format_money
from tests.factories import ProductFactory, StoreFactory, VariantFactory

pytestmark = pytest.mark.django_db

RUPIAH = 100  # IDR amounts are stored in sen
SOLD_OUT_CHEAPEST, FIRST_LISTED, CHEAPEST_IN_STOCK = 135_000 * RUPIAH, 250_000 * RUPIAH, 200_000 * RUPIAH


def nastar(title="Nastar Premium Wisman") -> Product:
    """As the demo's Nastar: the cheapest jar is sold out; the jar listed first is not the
    cheapest one in stock."""
    product = ProductFactory(title=title, store=StoreFactory(), status=Product.Status.ACTIVE)
    VariantFactory(product=product, sku=f"{title}-S", options={"Jar": "250 g"}, price=SOLD_OUT_CHEAPEST, stock=0)
    VariantFactory(product=product, sku=f"{title}-L", options={"Jar": "500 g"}, price=FIRST_LISTED, stock=4)
    VariantFactory(
        product=product,
        sku=f"{title}-M",
        options={"Jar": "400 g"},
        price=CHEAPEST_IN_STOCK,
        compare_at_price=220_000 * RUPIAH,
        stock=3,
        position=2,
    )
    return product


def text(response) -> str:
    return html.unescape(response.content.decode())


def card_of(page: str, title: str) -> str:
    title_at = page.index(f'<h3 class="product-card__title">{title}</h3>')
    start = page.rindex('<article class="product-card">', 0, title_at)
    return page[start : page.index("</article>", start)]


def test_a_card_shows_the_lowest_price_in_stock_or_else_says_sold_out(client):
    # given: Nastar, and Kastengel with every jar sold out
    nastar()
    sold_out = ProductFactory(title="Kastengel", store=StoreFactory(), status=Product.Status.ACTIVE)
    VariantFactory(product=sold_out, price=145_000 * RUPIAH, stock=0)
    VariantFactory(product=sold_out, price=99_000 * RUPIAH, stock=0)
    # when
    page = text(client.get(reverse("catalog:product_list")))
    # then: Nastar from its cheapest jar in stock, struck through with that jar's former price
    card = card_of(page, "Nastar Premium Wisman")
    assert format_money(CHEAPEST_IN_STOCK) in card
    assert format_money(220_000 * RUPIAH) in card
    assert format_money(SOLD_OUT_CHEAPEST) not in card
    assert "Sold out" not in card
    # and Kastengel from its cheapest jar, sold out
    card = card_of(page, "Kastengel")
    assert format_money(99_000 * RUPIAH) in card and "Sold out" in card


def test_the_price_sort_and_filter_go_by_the_from_price(client):
    # given: Nastar from 200,000 (its 135,000 jar sold out); Lidah Kucing at 150,000
    nastar()
    other = ProductFactory(title="Lidah Kucing", store=StoreFactory(), status=Product.Status.ACTIVE)
    VariantFactory(product=other, price=150_000 * RUPIAH, stock=2)
    url = reverse("catalog:product_list")
    # when
    cheapest_first = client.get(url, {"sort": "price_asc"}).context["page_obj"].object_list
    up_to_160k = client.get(url, {"max_price": "160000"}).context["page_obj"].object_list
    # then
    assert [product.title for product in cheapest_first] == ["Lidah Kucing", "Nastar Premium Wisman"]
    assert [product.title for product in up_to_160k] == ["Lidah Kucing"]


def test_the_product_page_opens_at_the_from_price(client):
    product = nastar()
    response = client.get(product.get_absolute_url())
    assert response.context["initial_variant"].price == CHEAPEST_IN_STOCK
    assert "In stock: 3" in text(response)


def test_the_api_gives_the_from_price(client):
    nastar()
    [row] = client.get("/api/v1/products/").json()["results"]
    assert (row["price"], row["price_display"], row["in_stock"]) == (
        CHEAPEST_IN_STOCK,
        format_money(CHEAPEST_IN_STOCK),
        True,
    )
