"""The cart through its pages: adding from the product page and a post's product sheet,
changing and removing lines, flags for stock and prices, a visitor's cart merged on login,
and the header's count (cached per owner, no query on a warm cache). htmx requests carry
the ``HX-Request`` header, exactly as htmx sends them."""

import html
import re

import pytest
from django.core.cache import cache
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from catalog.auth_backends import user_with_store
from checkout import services
from checkout.cart_session import SESSION_KEY, cached_cart_count, request_cart_count
from checkout.models import Cart, CartLine
from shop.money import format_money
from social import services as social_services
from tests.factories import (
    PASSWORD,
    ProductFactory,
    ProductImageFactory,
    StoreFactory,
    UserFactory,
    VariantFactory,
    buyable_variant,
    checkout_cart,
    make_post,
    place,
)

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
CART = "/cart/"
ADD = "/cart/add/"
BUY_NOW = "/cart/buy-now/"


def text(response) -> str:
    """The page as a person reads it (entities decoded)."""
    return html.unescape(response.content.decode())


def line_url(line) -> str:
    return reverse("checkout:cart_line", args=[line.pk])


def visitor_cart(client) -> Cart:
    return Cart.objects.get(token=client.session[SESSION_KEY])


def header_label(response) -> str:
    match = re.search(r'<a id="cart-link"[^>]*aria-label="([^"]*)"', text(response))
    return match.group(1) if match else ""


# --- Routes ----------------------------------------------------------------------------------


def test_the_routes_other_pages_link_to():
    assert reverse("checkout:cart") == CART
    assert reverse("checkout:cart_add") == ADD
    assert reverse("checkout:buy_now") == BUY_NOW
    assert reverse("checkout:cart_line", args=[7]) == "/cart/lines/7/"
    assert reverse("checkout:cart_line_remove", args=[7]) == "/cart/lines/7/remove/"
    assert reverse("checkout:cart_accept_prices") == "/cart/accept-prices/"


# --- Adding ----------------------------------------------------------------------------------


def test_the_product_page_has_add_to_cart_and_buy_now_joined_to_the_picker(client):
    # given a product with two variants, the first sold out
    product = ProductFactory(title="Batik Tulis")
    VariantFactory(product=product, options={"Size": "S"}, stock=0)
    medium = VariantFactory(product=product, options={"Size": "M"}, stock=4)
    # when
    body = client.get(product.get_absolute_url()).content.decode()
    # then the picker's hidden input (on the first in-stock variant) belongs to the cart's form
    assert f'name="variant" value="{medium.pk}" form="buy-form"' in body
    form = re.search(r'<form id="buy-form"[^>]*>', body).group(0)
    assert f'action="{ADD}"' in form and f'hx-post="{ADD}"' in form
    assert f'formaction="{BUY_NOW}"' in body
    assert 'name="quantity" value="1"' in body
    assert re.search(r"<button[^>]*data-cart-button>\s*Add to cart", body)  # enabled
    # without JavaScript, a select offers the variants (the sold-out one cannot be chosen)
    assert 'name="variant_choice"' in body and "<noscript>" in body


def test_a_sold_out_product_shows_disabled_buttons(client):
    variant = buyable_variant(stock=0)
    body = client.get(variant.product.get_absolute_url()).content.decode()
    assert re.search(r"<button[^>]*data-cart-button disabled>\s*Add to cart", body)
    assert re.search(r"<button[^>]*data-cart-button disabled>\s*Buy now", body)


def test_a_draft_seen_by_its_seller_has_no_cart_form(client):
    product = ProductFactory(status="draft")
    VariantFactory(product=product)
    client.force_login(product.store.owner)
    body = client.get(product.get_absolute_url()).content.decode()
    assert "This product is a draft" in body and 'id="buy-form"' not in body


def test_adding_without_javascript_comes_back_with_a_message(client):
    # given an anonymous visitor on a product page
    variant = buyable_variant(stock=5)
    page = variant.product.get_absolute_url()
    # when
    response = client.post(ADD, {"variant": variant.pk, "quantity": "2", "next": page})
    # then back to the page, with the line in the visitor's session cart
    assert response.status_code == 302 and response["Location"] == page
    line = visitor_cart(client).lines.get()
    assert (line.variant_id, line.quantity, line.price_seen) == (variant.pk, 2, variant.price)
    assert "Added to your cart" in text(client.get(page))


def test_without_javascript_the_variant_select_wins_over_the_pickers_default(client):
    product = ProductFactory()
    small = VariantFactory(product=product, options={"Size": "S"})
    large = VariantFactory(product=product, options={"Size": "L"})
    client.post(ADD, {"variant": small.pk, "variant_choice": large.pk, "quantity": "1"})
    assert list(visitor_cart(client).lines.values_list("variant_id", flat=True)) == [large.pk]


def test_adding_with_htmx_answers_a_confirmation_and_the_header_count(client):
    # given
    variant = buyable_variant(stock=5)
    client.post(ADD, {"variant": variant.pk, "quantity": "1"}, headers=HX)
    # when more of it is added
    response = client.post(ADD, {"variant": variant.pk, "quantity": "2"}, headers=HX)
    # then a small confirmation, and the header's link out of band with the new count
    assert response.status_code == 200
    body = text(response)
    assert "Added to cart" in body and f'href="{CART}"' in body and "View cart" in body
    assert re.search(r'<a id="cart-link"[^>]*aria-label="Cart, 3 items"[^>]*hx-swap-oob="true"', body)
    assert visitor_cart(client).lines.get().quantity == 3


@pytest.mark.parametrize(
    ("stock", "status", "data", "message"),
    [
        (0, "active", {"quantity": "1"}, "Sorry, this is sold out."),
        (3, "active", {"quantity": "4"}, "Only 3 left in stock."),
        (3, "draft", {"quantity": "1"}, "This product is not on sale."),
        (3, "active", {"quantity": "0"}, "Choose between 1 and 99."),
        (3, "active", {"quantity": "100"}, "Choose between 1 and 99."),
        (3, "active", {"quantity": "lots"}, "Enter a quantity."),
        (3, "active", {"variant": "abc", "quantity": "1"}, "Choose a variant."),
        (3, "active", {"variant": "", "quantity": "1"}, "Choose a variant."),
        (3, "active", {"variant": "99999999999999999999999", "quantity": "1"}, "This product is not on sale."),
    ],
)
def test_a_refused_add_answers_400_with_the_reason_in_place(client, stock, status, data, message):
    # given
    product = ProductFactory(status=status)
    variant = VariantFactory(product=product, stock=stock)
    data = {"variant": variant.pk, **data}
    # when (htmx)
    response = client.post(ADD, data, headers=HX)
    # then the reason, to be swapped into the form's status line (not a toast, not a 500)
    assert response.status_code == 400
    assert response["X-Swap-Errors"] == "true"
    assert message in text(response)
    assert not CartLine.objects.exists()
    # and without JavaScript: back with the reason as a message
    response = client.post(ADD, {**data, "next": "/somewhere/"})
    assert response.status_code == 302 and response["Location"] == "/somewhere/"
    assert message in text(client.get(CART))


def test_adding_on_top_of_the_cart_cannot_pass_the_stock(client):
    variant = buyable_variant(stock=3)
    client.post(ADD, {"variant": variant.pk, "quantity": "2"}, headers=HX)
    response = client.post(ADD, {"variant": variant.pk, "quantity": "2"}, headers=HX)
    assert response.status_code == 400 and "Only 3 left in stock." in text(response)
    assert visitor_cart(client).lines.get().quantity == 2


def test_an_unsafe_next_falls_back_to_the_cart(client):
    variant = buyable_variant()
    response = client.post(ADD, {"variant": variant.pk, "quantity": "1", "next": "https://evil.example/"})
    assert response["Location"] == CART


def test_buy_now_goes_to_the_checkout_of_just_that_item(client):
    variant = buyable_variant(stock=5)
    client.force_login(UserFactory())
    # htmx: told where to go, no page in between
    response = client.post(BUY_NOW, {"variant": variant.pk, "quantity": "1"}, headers=HX)
    assert response.status_code == 204 and response["HX-Redirect"] == "/checkout/?source=buy_now"
    # without JavaScript: a redirect
    response = client.post(BUY_NOW, {"variant": variant.pk, "quantity": "1"})
    assert response.status_code == 302 and response["Location"] == "/checkout/?source=buy_now"
    assert not CartLine.objects.exists()  # the cart is not touched (tests/checkout/test_buy_now.py)


def test_buy_now_refused_stays_in_place(client):
    variant = buyable_variant(stock=0)
    response = client.post(BUY_NOW, {"variant": variant.pk, "quantity": "1"}, headers=HX)
    assert response.status_code == 400 and "sold out" in text(response) and "HX-Redirect" not in response


def test_the_feeds_product_sheet_adds_to_cart_without_leaving_the_feed(client):
    # given a post tagging a product
    store = StoreFactory()
    variant = buyable_variant(store=store, stock=4)
    post = make_post(
        store.owner, profile=social_services.profile_for_store(store=store), products=[variant.product], images=1
    )
    tag = post.tags.get()
    # when the tag's sheet is opened in place (htmx)
    sheet = client.get(reverse("social:product_sheet", args=[tag.pk]), headers=HX)
    body = sheet.content.decode()
    # then it carries the cart's form, joined to the sheet's picker
    assert f'name="variant" value="{variant.pk}" form="sheet-buy-form"' in body
    assert re.search(r'<form id="sheet-buy-form"[^>]*hx-post="/cart/add/"[^>]*hx-target="#sheet-buy-form-status"', body)
    assert f'formaction="{BUY_NOW}"' in body
    # and adding from it answers in place
    response = client.post(ADD, {"variant": variant.pk, "quantity": "1"}, headers=HX)
    assert response.status_code == 200 and "Added to cart" in text(response)
    assert visitor_cart(client).lines.get().variant_id == variant.pk


def test_adding_needs_a_csrf_token():
    variant = buyable_variant()
    client = Client(enforce_csrf_checks=True)
    response = client.post(ADD, {"variant": variant.pk, "quantity": "1"}, headers=HX)
    assert response.status_code == 403
    assert not CartLine.objects.exists()


# --- The cart page ---------------------------------------------------------------------------


def test_the_cart_page_groups_lines_by_store_with_prices_and_totals(client):
    # given a shopper with two lines from one store and one from another
    buyer = UserFactory()
    batik_store, kopi_store = StoreFactory(name="Batik Sari"), StoreFactory(name="Kopi Gayo")
    shirt = buyable_variant(store=batik_store, price=15_000_000, options={"Size": "M"})
    ProductImageFactory(product=shirt.product)
    scarf = buyable_variant(store=batik_store, price=5_000_000)
    beans = buyable_variant(store=kopi_store, price=9_000_000)
    checkout_cart(buyer, (shirt, 2), (scarf, 1), (beans, 3))
    client.force_login(buyer)
    # when
    response = client.get(CART)
    body = text(response)
    # then
    assert response.status_code == 200
    assert body.index("Batik Sari") < body.index(shirt.product.title) < body.index("Kopi Gayo")
    assert f'href="{batik_store.get_absolute_url()}"' in body
    assert "M" in body and "Standard" in body  # variant labels
    assert format_money(30_000_000) in body  # 2 x 150.000
    assert "Subtotal at Batik Sari" in body and format_money(35_000_000) in body
    assert "Subtotal at Kopi Gayo" in body and format_money(27_000_000) in body
    assert "6 items" in body and format_money(62_000_000) in body
    assert '<img src="' in body  # the shirt's thumbnail
    assert f'href="{reverse("checkout:checkout")}"' in body
    assert header_label(response) == "Cart, 6 items"


def test_an_empty_cart_says_so_and_links_to_the_shops(client):
    body = text(client.get(CART))
    assert "Your cart is empty." in body and f'href="{reverse("catalog:product_list")}"' in body
    assert 'aria-disabled="true"' not in body


def test_changing_a_quantity_without_javascript(client):
    buyer = UserFactory()
    variant = buyable_variant(stock=5)
    line = checkout_cart(buyer, (variant, 1)).lines.get()
    client.force_login(buyer)
    response = client.post(line_url(line), {"quantity": "4"})
    assert response.status_code == 302 and response["Location"] == CART
    line.refresh_from_db()
    assert line.quantity == 4
    assert "quantity 4" in text(client.get(CART))


def test_changing_a_quantity_with_htmx_swaps_the_cart_and_the_header(client):
    # given
    buyer = UserFactory()
    variant = buyable_variant(stock=5, price=10_000_000)
    line = checkout_cart(buyer, (variant, 1)).lines.get()
    client.force_login(buyer)
    # when
    response = client.post(line_url(line), {"quantity": "3"}, headers=HX)
    # then the cart's body, the header's count and the announcement
    body = text(response)
    assert response.status_code == 200
    assert body.startswith('<div id="cart-body"') or '<div id="cart-body"' in body[:200]
    assert f'id="cart-quantity-{line.pk}" type="number" name="quantity" value="3"' in body
    assert format_money(30_000_000) in body
    assert re.search(r'<a id="cart-link"[^>]*aria-label="Cart, 3 items"[^>]*hx-swap-oob="true"', body)
    assert re.search(r'<div id="cart-status"[^>]*hx-swap-oob="innerHTML">[^<]*quantity 3', body)


def test_quantity_zero_removes_the_line_and_so_does_remove(client):
    buyer = UserFactory()
    first, second = buyable_variant(), buyable_variant()
    cart = checkout_cart(buyer, (first, 1), (second, 2))
    one, two = cart.lines.order_by("pk")
    client.force_login(buyer)
    response = client.post(line_url(one), {"quantity": "0"}, headers=HX)
    assert response.status_code == 200 and "Removed" in text(response)
    response = client.post(reverse("checkout:cart_line_remove", args=[two.pk]))
    assert response.status_code == 302
    assert not cart.lines.exists()
    assert "Your cart is empty." in text(client.get(CART))


@pytest.mark.parametrize(
    ("quantity", "message"),
    [("9", "Only 5 left in stock."), ("100", "Choose between 1 and 99."), ("-1", "Choose between 1 and 99.")],
)
def test_a_refused_quantity_answers_400_at_its_line(client, quantity, message):
    buyer = UserFactory()
    line = checkout_cart(buyer, (buyable_variant(stock=5), 2)).lines.get()
    client.force_login(buyer)
    # htmx: the cart body with the reason at the line
    response = client.post(line_url(line), {"quantity": quantity}, headers=HX)
    assert response.status_code == 400 and response["X-Swap-Errors"] == "true"
    body = text(response)
    assert re.search(rf'<li id="cart-line-{line.pk}".*?{re.escape(message)}', body, re.S)
    # without JavaScript: back to the cart with the reason
    response = client.post(line_url(line), {"quantity": quantity})
    assert response.status_code == 302 and message in text(client.get(CART))
    line.refresh_from_db()
    assert line.quantity == 2


def test_someone_elses_line_is_a_404(client):
    # given another shopper's line
    theirs = checkout_cart(UserFactory(), (buyable_variant(), 1)).lines.get()
    me = UserFactory()
    checkout_cart(me, (buyable_variant(), 1))
    client.force_login(me)
    # then every change to it is a 404, and it is unchanged
    assert client.post(line_url(theirs), {"quantity": "5"}).status_code == 404
    assert client.post(line_url(theirs), {"quantity": "5"}, headers=HX).status_code == 404
    assert client.post(reverse("checkout:cart_line_remove", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.quantity == 1
    # and so is a visitor without any cart
    assert Client().post(line_url(theirs), {"quantity": "0"}).status_code == 404
    assert CartLine.objects.filter(pk=theirs.pk).exists()


def test_cart_changes_need_a_post(client):
    assert client.get(ADD).status_code == 405
    assert client.get(reverse("checkout:cart_accept_prices")).status_code == 405


# --- Flags -------------------------------------------------------------------------------------


def test_a_changed_price_is_flagged_until_the_shopper_accepts_it(client):
    # given a line added at Rp150.000 whose price then rose to Rp175.000
    buyer = UserFactory()
    variant = buyable_variant(price=15_000_000)
    checkout_cart(buyer, (variant, 1))
    variant.price = 17_500_000
    variant.save()
    client.force_login(buyer)
    # when
    body = text(client.get(CART))
    # then flagged, and checkout waits for the shopper
    assert f"Price changed from {format_money(15_000_000)} to {format_money(17_500_000)}" in body
    assert "OK, use the new prices" in body
    assert "Accept the new prices to check out." in body and 'aria-disabled="true"' in body
    assert f'href="{reverse("checkout:checkout")}"' not in body
    # when the shopper accepts (htmx)
    response = client.post(reverse("checkout:cart_accept_prices"), headers=HX)
    # then
    assert response.status_code == 200
    body = text(response)
    assert "Price changed" not in body and f'href="{reverse("checkout:checkout")}"' in body
    assert CartLine.objects.get().price_seen == 17_500_000


def test_accepting_prices_without_javascript(client):
    buyer = UserFactory()
    variant = buyable_variant(price=15_000_000)
    checkout_cart(buyer, (variant, 1))
    variant.price = 12_000_000
    variant.save()
    client.force_login(buyer)
    response = client.post(reverse("checkout:cart_accept_prices"))
    assert response.status_code == 302 and response["Location"] == CART
    assert "Price changed" not in text(client.get(CART))


def test_sold_out_short_and_withdrawn_lines_are_flagged_and_block_checkout(client):
    # given three lines that can no longer be bought as they are
    buyer = UserFactory()
    sold_out, short, withdrawn = buyable_variant(stock=5), buyable_variant(stock=5), buyable_variant(stock=5)
    checkout_cart(buyer, (sold_out, 1), (short, 4), (withdrawn, 1))
    sold_out.stock = 0
    sold_out.save()
    short.stock = 2
    short.save()
    withdrawn.product.status = "archived"
    withdrawn.product.save()
    client.force_login(buyer)
    # when
    body = text(client.get(CART))
    # then
    assert "Sold out." in body and "Only 2 left." in body and "No longer on sale." in body
    assert body.count("cart-line--problem") == 3
    assert "Change or remove the flagged items to check out." in body
    assert f'href="{reverse("checkout:checkout")}"' not in body


# --- A visitor's cart, then logging in --------------------------------------------------------


def test_a_visitors_cart_joins_the_users_cart_when_they_log_in(client, django_capture_on_commit_callbacks):
    # given a shopper whose own cart holds one batik
    buyer = UserFactory()
    batik, kopi = buyable_variant(stock=10), buyable_variant(stock=10)
    checkout_cart(buyer, (batik, 1))
    # and who, not yet logged in, adds two batik and a coffee
    client.post(ADD, {"variant": batik.pk, "quantity": "2"}, headers=HX)
    client.post(ADD, {"variant": kopi.pk, "quantity": "1"}, headers=HX)
    visitor = visitor_cart(client)
    # when they log in through allauth's login page (the real user_logged_in signal)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_login"), {"login": buyer.email, "password": PASSWORD})
    assert response.status_code == 302
    # then one cart, theirs, holds everything; the visitor's cart is gone
    lines = {line.variant_id: line.quantity for line in CartLine.objects.filter(cart__user=buyer)}
    assert lines == {batik.pk: 3, kopi.pk: 1}
    assert not Cart.objects.filter(pk=visitor.pk).exists()
    assert SESSION_KEY not in client.session
    assert header_label(client.get(CART)) == "Cart, 4 items"


def test_a_visitors_cart_becomes_the_users_when_they_had_none(client, django_capture_on_commit_callbacks):
    buyer = UserFactory()
    variant = buyable_variant()
    client.post(ADD, {"variant": variant.pk, "quantity": "2"})
    visitor = visitor_cart(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_login"), {"login": buyer.email, "password": PASSWORD})
    visitor.refresh_from_db()
    assert visitor.user == buyer and visitor.lines.get().quantity == 2


# --- The header's count ----------------------------------------------------------------------


def render_count(request) -> str:
    """The count the header finds cached (no query), then the header's cart link."""
    return f"[{cached_cart_count(request)}]" + Template("{% load cart %}{% cart_link_html %}").render(
        Context({"request": request})
    )


def signed_in_request(user):
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    return request


def test_the_header_count_costs_no_query_on_a_warm_cache(django_assert_num_queries):
    # given a shopper with 3 items, whose count has been computed once
    buyer = UserFactory()
    checkout_cart(buyer, (buyable_variant(), 2), (buyable_variant(), 1))
    request = signed_in_request(buyer)
    assert request_cart_count(request) == 3
    # when the header is rendered
    with django_assert_num_queries(0):
        rendered = render_count(request)
    # then
    assert rendered.startswith("[3]")
    assert 'aria-label="Cart, 3 items"' in rendered and f'href="{CART}"' in rendered


def test_the_cached_header_link_follows_the_count_and_the_language():
    # given a shopper whose link has been rendered (and kept) with 3 items
    buyer = UserFactory()
    cart = checkout_cart(buyer, (buyable_variant(), 2), (buyable_variant(), 1))
    request = signed_in_request(buyer)
    assert request_cart_count(request) == 3
    assert 'aria-label="Cart, 3 items"' in render_count(request)
    # when the cart changes
    services.set_line_quantity(cart=cart, line_id=cart.lines.first().pk, quantity=5)
    request_cart_count(request, fresh=True)
    # then the link shows the new count, and in Indonesian the Indonesian words
    rendered = render_count(request)
    assert rendered.startswith("[6]") and 'aria-label="Cart, 6 items"' in rendered
    assert 'data-cart-count="6">6<' in rendered
    with translation.override("id"):
        assert 'aria-label="Keranjang, 6 barang"' in render_count(request)


def test_a_cold_count_costs_no_query_either_the_link_asks_for_it(client, django_assert_num_queries):
    # given a shopper with items, and nothing cached
    buyer = UserFactory()
    checkout_cart(buyer, (buyable_variant(), 2))
    cache.clear()
    request = signed_in_request(buyer)
    # when
    with django_assert_num_queries(0):
        rendered = render_count(request)
    # then the link loads its count after the page
    assert rendered.startswith("[None]")
    assert f'hx-get="{reverse("checkout:cart_count")}" hx-trigger="load"' in rendered
    client.force_login(buyer)
    response = client.get(reverse("checkout:cart_count"), headers=HX)
    assert header_label(response) == "Cart, 2 items"
    assert "hx-swap-oob" not in response.content.decode()
    # and the next page has it at once
    assert header_label(client.get(reverse("catalog:product_list"))) == "Cart, 2 items"


def test_a_signed_in_persons_count_is_read_with_them_in_the_same_query(django_assert_num_queries):
    # given a shopper with 3 items and one without a cart, nothing cached
    buyer, other = UserFactory(), UserFactory()
    checkout_cart(buyer, (buyable_variant(), 2), (buyable_variant(), 1))
    cache.clear()
    # when the person is loaded as every signed-in request loads them
    with django_assert_num_queries(1):
        loaded = user_with_store(buyer.pk)
    assert loaded.cart_item_count_read == 3 and user_with_store(other.pk).cart_item_count_read == 0
    # then the header asks nothing more, and caches nothing
    request = signed_in_request(loaded)
    with django_assert_num_queries(0):
        assert render_count(request).startswith("[3]")
    assert cache.get(f"cart-count:u{buyer.pk}") is None


def test_a_change_from_another_device_shows_on_the_next_page_even_before_the_cache_drops(
    client, django_capture_on_commit_callbacks
):
    # given a shopper whose count (2) the cache also holds
    buyer = UserFactory()
    variant = buyable_variant(stock=10)
    cart = checkout_cart(buyer, (variant, 2))
    client.force_login(buyer)
    assert request_cart_count(signed_in_request(buyer)) == 2
    # when another device adds 3 and the cache still says 2 (its drop waits for the commit)
    with django_capture_on_commit_callbacks(execute=False):
        services.add_to_cart(cart=cart, variant_id=variant.pk, quantity=3)
    assert cache.get(f"cart-count:u{buyer.pk}") == 2
    # then the next page shows 5: it is read with the person
    assert header_label(client.get(reverse("catalog:product_list"))) == "Cart, 5 items"
    assert header_label(client.get(reverse("checkout:cart_count"), headers=HX)) == "Cart, 5 items"


def test_a_request_that_may_change_the_cart_does_not_trust_the_count_read_with_the_person():
    # (the person was loaded before the view changed anything)
    buyer = UserFactory()
    checkout_cart(buyer, (buyable_variant(), 2))
    loaded = user_with_store(buyer.pk)
    request = RequestFactory().post("/")
    request.user, request.session = loaded, {}
    loaded.cart_item_count_read = 99  # as if the view had changed the cart since
    assert render_count(request).startswith("[None]")  # the cache knows nothing: the link asks
    assert request_cart_count(request) == 2


def test_a_visitor_without_a_cart_has_zero_without_any_lookup(client, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = __import__("django.contrib.auth.models", fromlist=["AnonymousUser"]).AnonymousUser()
    request.session = {}
    with django_assert_num_queries(0):
        rendered = render_count(request)
    assert rendered.startswith("[0]") and 'aria-label="Cart, 0 items"' in rendered
    assert 'class="cart-link__count" hidden' in rendered


def test_every_change_drops_the_cached_count_after_commit(django_capture_on_commit_callbacks):
    # given a shopper whose count (2) is cached
    buyer = UserFactory()
    variant = buyable_variant(stock=10)
    cart = checkout_cart(buyer, (variant, 2))
    request = signed_in_request(buyer)
    assert request_cart_count(request) == 2
    # when items are added: the cache still says 2 until the change commits
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        line = services.add_to_cart(cart=cart, variant_id=variant.pk, quantity=3)
    assert render_count(request).startswith("[2]")
    for callback in callbacks:
        callback()
    # then the next page counts again
    assert request_cart_count(request) == 5
    # and likewise for a quantity change, a removal and placing an order
    with django_capture_on_commit_callbacks(execute=True):
        services.set_line_quantity(cart=cart, line_id=line.pk, quantity=1)
    assert request_cart_count(request) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_line(cart=cart, line_id=line.pk)
    assert request_cart_count(request) == 0
    with django_capture_on_commit_callbacks(execute=True):
        place(buyer, (variant, 1))
    assert render_count(request).startswith("[None]")  # dropped after the order was placed
    assert request_cart_count(request) == 0


def test_a_visitors_count_is_kept_by_their_cart_token(client):
    # (The service's own commit, and so its dropping of the count, comes before the view
    # counts again: in a test nothing commits, so there is nothing to run in between.)
    variant = buyable_variant(stock=10)
    client.post(ADD, {"variant": variant.pk, "quantity": "2"}, headers=HX)
    token = client.session[SESSION_KEY]
    assert cache.get(f"cart-count:t{token}") == 2
    assert header_label(client.get(reverse("catalog:product_list"))) == "Cart, 2 items"
    # another visitor sees their own (empty) cart
    assert header_label(Client().get(reverse("catalog:product_list"))) == "Cart, 0 items"


def test_the_account_menu_links_to_orders_and_addresses(client):
    client.force_login(UserFactory())
    body = client.get(reverse("catalog:product_list")).content.decode()
    assert f'href="{reverse("checkout:order_list")}"' in body and "My orders" in body
    assert f'href="{reverse("checkout:addresses")}"' in body


def test_a_refused_first_add_leaves_no_empty_cart(client):
    # given a visitor and a sold-out variant
    from checkout.models import Cart
    from tests.factories import buyable_variant

    variant = buyable_variant(stock=0)
    # when they try to add it
    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": 1}, HTTP_HX_REQUEST="true")
    # then they are told, and no cart row was made for them
    assert response.status_code == 400
    assert not Cart.objects.exists()
