"""The one-page checkout: what it shows, re-pricing with htmx, and placing orders through it.

Nothing a client posts is charged: the server prices the cart again, and the digest of the
quote shown only decides whether the shopper saw what would be charged.
"""

import re

import pytest
from django.urls import reverse

from checkout import services
from checkout.cart_session import SESSION_KEY
from checkout.models import Cart, CartLine, DiscountRedemption, Order, Payment
from tests.factories import (
    PASSWORD,
    AddressFactory,
    CheckoutSettingsFactory,
    DiscountCodeFactory,
    StoreFactory,
    UserFactory,
    buyable_variant,
    checkout_cart,
)

pytestmark = pytest.mark.django_db

CHECKOUT = "/checkout/"
PLACE = "/checkout/place/"
QUOTE = "/checkout/quote/"


def hidden(response, name: str) -> str:
    """The value of hidden input ``name`` in the page, as a browser would post it."""
    match = re.search(rf'name="{name}" value="([^"]*)"', response.content.decode())
    assert match, f"no hidden {name} in the page"
    return match.group(1)


def shopper(client, *variants_and_quantities, address=True):
    """A signed-in shopper with ``(variant, quantity)`` in their cart and (by default) an address."""
    buyer = UserFactory()
    checkout_cart(buyer, *variants_and_quantities)
    if address:
        AddressFactory(user=buyer, is_default=True)
    client.force_login(buyer)
    return buyer


def form_from(response, buyer, **changes) -> dict:
    """What the page's form posts as shown (default address, preselected method, key, digest)."""
    data = {
        "address": str(buyer.addresses.get(is_default=True).pk),
        "discount_code": "",
        "payment_method": response.context["state"]["payment_method"],
        "note": "",
        "idempotency_key": hidden(response, "idempotency_key"),
        "quote_digest": hidden(response, "quote_digest"),
    }
    data.update(changes)
    return data


# --- The page ---------------------------------------------------------------------------------


def test_anonymous_shoppers_are_sent_to_log_in_and_come_back(client):
    response = client.get(CHECKOUT)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={CHECKOUT}"


def test_a_visitors_cart_follows_them_into_checkout_when_they_log_in(client):
    # given a visitor's session cart
    variant = buyable_variant(price=15_000_000)
    cart = Cart.objects.create()
    services.add_to_cart(cart=cart, variant_id=variant.pk, quantity=2)
    session = client.session
    session[SESSION_KEY] = str(cart.token)
    session.save()
    buyer = UserFactory()
    # when they log in (the real login form) and open checkout
    login = client.post(f"{reverse('account_login')}?next={CHECKOUT}", {"login": buyer.email, "password": PASSWORD})
    response = client.get(CHECKOUT)
    # then
    assert login.status_code == 302 and login["Location"] == CHECKOUT
    assert response.status_code == 200
    assert variant.product.title in response.content.decode()
    assert response.context["quote"].subtotal == 30_000_000


def test_the_page_shows_addresses_stores_shipping_methods_and_a_server_summary(client, settings):
    # given two stores: one ships free above Rp500.000 and takes no cash on delivery
    settings.STRIPE_SECRET_KEY = settings.STRIPE_PUBLISHABLE_KEY = ""
    batik = buyable_variant(price=15_000_000)
    kopi = buyable_variant(price=60_000_000)
    CheckoutSettingsFactory(store=kopi.store)
    kopi.store.checkout_settings.cod_enabled = False
    kopi.store.checkout_settings.save()
    buyer = shopper(client, (batik, 1), (kopi, 1))
    other = AddressFactory(user=buyer, label="Office", street="Jl. Sudirman 1")
    # when
    response = client.get(CHECKOUT)
    html = response.content.decode()
    # then the default address is preselected and the others are listed
    default = buyer.addresses.get(is_default=True)
    assert re.search(rf'name="address" value="{default.pk}" checked', html)
    assert f'name="address" value="{other.pk}">' in html and "Jl. Sudirman 1" in html
    # each store with its shipping: one pays Rp20.000 and is told how much more ships free
    assert batik.store.name in html and kopi.store.name in html
    assert "Free shipping" in html
    assert "Add IDR350,000 more from" in html
    # payment methods: bank transfer preselected, cash on delivery refused with the reason, no card
    assert re.search(r'name="payment_method" value="bank_transfer" checked', html)
    assert f"{kopi.store.name} does not take cash on delivery." in html
    assert 'value="card"' not in html
    # the summary is the server's
    quote = response.context["quote"]
    assert (quote.subtotal, quote.shipping, quote.total) == (75_000_000, 2_000_000, 77_000_000)
    assert "IDR770,000" in html
    assert hidden(response, "quote_digest") == quote.digest
    assert len(hidden(response, "idempotency_key")) == 32
    assert "unique code" in html


def test_every_page_view_gets_its_own_checkout_key(client):
    shopper(client, (buyable_variant(), 1))
    first, second = client.get(CHECKOUT), client.get(CHECKOUT)
    assert hidden(first, "idempotency_key") != hidden(second, "idempotency_key")
    assert hidden(first, "quote_digest") == hidden(second, "quote_digest")


def test_card_is_offered_only_when_stripe_keys_are_set(client, settings):
    shopper(client, (buyable_variant(), 1))
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "sk_test_x", "pk_test_x"
    assert 'name="payment_method" value="card" checked' in client.get(CHECKOUT).content.decode()
    settings.STRIPE_SECRET_KEY = ""
    assert 'value="card"' not in client.get(CHECKOUT).content.decode()


def test_without_an_address_the_page_says_so_and_cannot_place(client):
    shopper(client, (buyable_variant(), 1), address=False)
    response = client.get(CHECKOUT)
    html = response.content.decode()
    assert "You have no saved address yet." in html
    assert not response.context["page"].can_place
    assert re.search(r'type="submit" disabled>\s*Place order', html)


def test_an_empty_cart_shows_the_empty_state(client):
    client.force_login(UserFactory())
    response = client.get(CHECKOUT)
    assert response.status_code == 200
    assert "Your cart is empty." in response.content.decode()
    assert 'action="/checkout/place/"' not in response.content.decode()


def test_flagged_lines_are_shown_and_block_placing(client):
    # given a line that is now short and one whose price went up since it was added
    short = buyable_variant(stock=3)
    dearer = buyable_variant(price=10_000_000)
    buyer = shopper(client, (short, 3), (dearer, 1))
    short.stock = 1
    short.save()
    dearer.price = 12_000_000
    dearer.save()
    # when
    response = client.get(CHECKOUT)
    html = response.content.decode()
    # then
    assert "Only 1 left." in html
    assert "The price changed from IDR100,000 to IDR120,000." in html
    assert not response.context["page"].can_place
    # and posting anyway places nothing
    placed = client.post(PLACE, form_from(response, buyer))
    assert placed.status_code == 409
    assert not Order.objects.exists()


def test_a_line_whose_price_changed_is_refused_once_with_the_new_price_then_placed_when_sent_again(client):
    # given the shopper's cart line changed price since they added it
    variant = buyable_variant(price=10_000_000)
    buyer = shopper(client, (variant, 1))
    variant.price = 12_000_000
    variant.save()
    page = client.get(CHECKOUT)
    # when they place anyway (the digest is the page's own)
    response = client.post(PLACE, form_from(page, buyer))
    # then nothing is placed: the service refuses with the new price and the new total
    html = response.content.decode()
    assert response.status_code == 409
    assert "Some prices changed since you added them to your cart" in html and "IDR120,000" in html
    assert not Order.objects.exists()
    # and sending the re-rendered page again (what the shopper now saw) places it at the new price
    assert client.post(PLACE, form_from(response, buyer)).status_code == 302
    assert Order.objects.get(buyer=buyer).subtotal == 12_000_000


# --- Re-pricing -----------------------------------------------------------------------------


def test_htmx_reprices_the_summary_without_a_page(client):
    # given
    variant = buyable_variant(price=20_000_000)  # Rp200.000, shipping Rp20.000, COD fee Rp5.000
    code = DiscountCodeFactory(code="HEMAT10", value=10)
    buyer = shopper(client, (variant, 1))
    page = client.get(CHECKOUT)
    # when the shopper picks cash on delivery and types a code
    response = client.post(
        QUOTE, form_from(page, buyer, payment_method="cod", discount_code="hemat10"), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    # then only the summary comes back, priced by the server, with a new digest
    assert response.status_code == 200
    assert "<html" not in html and 'id="checkout-summary"' in html
    assert "IDR205,000" in html  # 200,000 - 20,000 + 20,000 shipping + 5,000 COD fee
    assert "Cash on delivery fee" in html and "Discount (HEMAT10)" in html
    quote = response.context["quote"]
    assert quote.discount_code == code and quote.total == 20_500_000
    assert hidden(response, "quote_digest") == quote.digest != hidden(page, "quote_digest")
    # and the code's message, out of band
    assert 'id="discount-code-message" class="discount-message" aria-live="polite" hx-swap-oob="true"' in html
    assert "Code HEMAT10 applied: you save IDR20,000." in html


def test_an_unknown_code_is_explained_in_the_summary(client):
    buyer = shopper(client, (buyable_variant(), 1))
    page = client.get(CHECKOUT)
    response = client.post(QUOTE, form_from(page, buyer, discount_code="NOPE"), HTTP_HX_REQUEST="true")
    assert "There is no such code." in response.content.decode()
    assert not response.context["page"].can_place


def test_apply_without_javascript_renders_the_whole_page_again(client):
    variant = buyable_variant(price=20_000_000)
    DiscountCodeFactory(code="HEMAT10", value=10)
    buyer = shopper(client, (variant, 1))
    page = client.get(CHECKOUT)
    response = client.post(CHECKOUT, form_from(page, buyer, discount_code="HEMAT10", apply="1"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and "Code HEMAT10 applied" in html
    assert 'value="HEMAT10"' in html
    assert not Order.objects.exists()


# --- Placing -------------------------------------------------------------------------------


def test_cart_to_checkout_to_placed_page_to_order_detail_by_bank_transfer(client):
    # given two stores' products in the cart
    batik = buyable_variant(price=15_000_000, stock=5)
    kopi = buyable_variant(price=60_000_000, stock=5)
    buyer = shopper(client, (batik, 2), (kopi, 1))
    # when the shopper opens checkout and places the order as shown
    page = client.get(CHECKOUT)
    response = client.post(PLACE, form_from(page, buyer, note="Tolong dibungkus rapi"))
    # then one order per store under one payment, priced by the server
    payment = Payment.objects.get(buyer=buyer)
    assert response.status_code == 302
    assert response["Location"] == reverse("checkout:placed", kwargs={"payment_id": payment.pk})
    orders = {order.store_id: order for order in payment.orders.all()}
    assert orders[batik.store_id].subtotal == 30_000_000 and orders[kopi.store_id].shipping == 0
    assert all(order.buyer_note == "Tolong dibungkus rapi" for order in orders.values())
    assert not CartLine.objects.filter(cart__user=buyer).exists()
    batik.refresh_from_db()
    assert batik.stock == 3
    # and the thank-you page gives the exact amount with its unique code
    placed = client.get(response["Location"])
    html = placed.content.decode()
    batik_order = orders[batik.store_id]
    whole = batik_order.total // 100
    assert placed.status_code == 200
    assert batik_order.number in html and batik.store.name in html
    assert f"{whole // 1000:,},<mark>{whole % 1000:03d}</mark>" in html
    assert "BCA" in html and "1234567890" in html and "Toko Contoh" in html
    assert "Pay by" in html and 'name="image"' in html
    # and the order's own page
    detail = client.get(batik_order.get_absolute_url())
    assert detail.status_code == 200
    assert batik.product.title in detail.content.decode()


def test_pressing_place_order_twice_places_one_set_of_orders(client):
    variant = buyable_variant(stock=5)
    buyer = shopper(client, (variant, 1))
    data = form_from(client.get(CHECKOUT), buyer)
    first = client.post(PLACE, data)
    second = client.post(PLACE, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Order.objects.filter(buyer=buyer).count() == 1
    variant.refresh_from_db()
    assert variant.stock == 4


def test_a_tampered_digest_is_refused_with_the_new_total(client):
    variant = buyable_variant(price=15_000_000)
    buyer = shopper(client, (variant, 1))
    page = client.get(CHECKOUT)
    response = client.post(PLACE, form_from(page, buyer, quote_digest="0" * 32))
    assert response.status_code == 409
    assert "changed since you opened checkout" in response.content.decode()
    assert "IDR170,000" in response.content.decode()
    assert not Order.objects.exists() and not Payment.objects.exists()
    # the re-rendered page keeps the shopper's choices and carries the current digest
    assert hidden(response, "quote_digest") == hidden(page, "quote_digest")


def test_a_price_change_after_the_page_was_shown_is_not_charged(client):
    variant = buyable_variant(price=15_000_000)
    buyer = shopper(client, (variant, 1))
    page = client.get(CHECKOUT)
    variant.price = 9_000_000
    variant.save()
    CartLine.objects.filter(variant=variant).update(price_seen=9_000_000)  # accepted in the cart
    response = client.post(PLACE, form_from(page, buyer))
    assert response.status_code == 409
    assert not Order.objects.exists()


def test_posted_prices_and_totals_change_nothing_charged(client):
    variant = buyable_variant(price=15_000_000)
    buyer = shopper(client, (variant, 2))
    page = client.get(CHECKOUT)
    data = form_from(page, buyer, total="1", subtotal="1", price="1", unit_price="1", shipping="0", amount="1")
    response = client.post(PLACE, data)
    assert response.status_code == 302
    order = Order.objects.get(buyer=buyer)
    assert order.subtotal == 30_000_000 and order.shipping == 2_000_000
    assert order.total == 32_000_000 + order.unique_code
    assert order.payment.amount == order.total


def test_someone_elses_address_is_refused_and_nothing_is_placed(client):
    buyer = shopper(client, (buyable_variant(), 1))
    strangers = AddressFactory(user=UserFactory(), street="Jl. Orang Lain 9")
    page = client.get(CHECKOUT)
    response = client.post(PLACE, form_from(page, buyer, address=str(strangers.pk)))
    assert response.status_code == 400
    assert "Choose one of your addresses." in response.content.decode()
    assert "Jl. Orang Lain 9" not in response.content.decode()
    assert not Order.objects.exists() and not Payment.objects.exists()
    assert CartLine.objects.filter(cart__user=buyer).exists()


def test_another_stores_discount_code_is_explained_and_nothing_is_placed(client):
    buyer = shopper(client, (buyable_variant(price=20_000_000), 1))
    elsewhere = DiscountCodeFactory(code="TOKOLAIN", store=StoreFactory(name="Toko Lain"))
    page = client.get(CHECKOUT)
    response = client.post(PLACE, form_from(page, buyer, discount_code="TOKOLAIN"))
    assert response.status_code == 400
    assert "This code is for Toko Lain, which is not in your cart." in response.content.decode()
    assert not Order.objects.exists()
    assert not DiscountRedemption.objects.exists()
    elsewhere.refresh_from_db()
    assert elsewhere.times_used == 0


def test_a_method_the_store_does_not_take_is_refused(client):
    variant = buyable_variant()
    settings_row = CheckoutSettingsFactory(store=variant.store)
    settings_row.cod_enabled = False
    settings_row.save()
    buyer = shopper(client, (variant, 1))
    page = client.get(CHECKOUT)
    response = client.post(PLACE, form_from(page, buyer, payment_method="cod"))
    assert response.status_code == 400
    assert "does not take cash on delivery" in response.content.decode()
    assert not Order.objects.exists()


def test_sold_out_while_checking_out_is_a_409_with_a_message_and_the_cart_is_kept(client):
    variant = buyable_variant(stock=2)
    buyer = shopper(client, (variant, 2))
    page = client.get(CHECKOUT)
    variant.stock = 1
    variant.save()
    response = client.post(PLACE, form_from(page, buyer))
    assert response.status_code == 409
    html = response.content.decode()
    assert "not enough stock" in html and "Only 1 left." in html
    assert not Order.objects.exists()
    assert CartLine.objects.filter(cart__user=buyer, quantity=2).exists()
    # nothing lost: the choices come back
    assert re.search(r'name="payment_method" value="bank_transfer" checked', html)


def test_cash_on_delivery_lands_on_the_placed_page_with_what_to_pay_the_courier(client):
    buyer = shopper(client, (buyable_variant(price=20_000_000), 1))
    page = client.get(CHECKOUT)
    # the shopper picks cash on delivery: htmx prices the summary again, with its digest
    summary = client.post(QUOTE, form_from(page, buyer, payment_method="cod"), HTTP_HX_REQUEST="true")
    data = form_from(page, buyer, payment_method="cod", quote_digest=hidden(summary, "quote_digest"))
    response = client.post(PLACE, data)
    assert response.status_code == 302
    order = Order.objects.get(buyer=buyer)
    assert order.cod_fee == 500_000 and order.unique_code == 0 and order.total == 22_500_000
    html = client.get(response["Location"]).content.decode()
    assert "Pay the courier <strong>IDR225,000</strong> in cash" in html


def test_a_card_checkout_continues_to_the_card_payment_page(client, settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "sk_test_x", "pk_test_x"
    buyer = shopper(client, (buyable_variant(), 1))
    page = client.get(CHECKOUT)
    response = client.post(PLACE, form_from(page, buyer, payment_method="card"))
    payment = Payment.objects.get(buyer=buyer)
    assert payment.method == "card"
    assert response.status_code == 302
    assert response["Location"] == reverse("checkout:pay_card", kwargs={"payment_id": payment.pk})


def test_a_missing_checkout_key_is_a_400(client):
    buyer = shopper(client, (buyable_variant(), 1))
    page = client.get(CHECKOUT)
    response = client.post(PLACE, form_from(page, buyer, idempotency_key=""))
    assert response.status_code == 400
    assert "Missing checkout key" in response.content.decode()
    assert not Order.objects.exists()


def test_placing_anonymously_goes_to_log_in_and_back_to_checkout(client):
    response = client.post(PLACE, {"payment_method": "bank_transfer"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={CHECKOUT}"


def test_an_anonymous_htmx_request_is_sent_to_log_in_as_a_whole_page(client):
    response = client.post(QUOTE, {}, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/checkout/")
    assert response.status_code == 401
    assert response["HX-Redirect"] == f"{reverse('account_login')}?next=http%3A%2F%2Ftestserver%2Fcheckout%2F"


def test_the_quote_address_without_htmx_answers_the_whole_page(client):
    buyer = shopper(client, (buyable_variant(), 1))
    page = client.get(CHECKOUT)
    response = client.post(QUOTE, form_from(page, buyer))
    assert response.status_code == 200
    assert "<html" in response.content.decode()
