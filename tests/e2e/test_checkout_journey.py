"""A purchase from a feed post to a parcel on its way, in two real browsers.

The shopper taps a tag dot in their Following feed, adds the product to the cart from the
sheet without leaving the feed, checks out by bank transfer and sees the exact amount to
send; the seller confirms the transfer and ships the parcel from the admin; the shopper's
order page follows: "Paid", then "Shipped" with the tracking number.

The ORM and the factories only build what the two meet (a store that ships and takes
transfers, its product, its post, the shopper's addresses) and check the results; every
step either of them takes goes through the pages. ``window.__marker`` is set on a page and
checked after a step: a full page load would wipe it, so a step that keeps it happened in
place (htmx), as the issue asks.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from checkout.models import Order, OrderStatus, PaymentMethod
from social import services
from tests.factories import (
    PASSWORD,
    AddressFactory,
    CheckoutSettingsFactory,
    ProductFactory,
    StoreFactory,
    UserFactory,
    VariantFactory,
    make_post,
)

STORE_NAME = "Kopi Gayo Ayu"
PRODUCT_TITLE = "Kopi Gayo Arabica"
CAPTION = "Panen baru dari dataran tinggi Gayo."
PRICE = 12_500_000  # IDR125,000 in minor units
SHIPPING = 2_000_000  # the store's flat rate, IDR20,000
STOCK = 4
BANK_ACCOUNT = "8720 1234 56"
CARRIER = "JNE"
TRACKING = "JNE123"


@pytest.fixture
def seller_page(open_context):
    """A second browser context for the seller: their own cookies, their own session."""
    return open_context().new_page()


def url_path(path: str) -> re.Pattern:
    """Matches the live server's URL for ``path`` (with or without a query string)."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def idr(minor_units: int) -> str:
    """How the site shows an amount of rupiah in English (IDR has no shown decimals)."""
    assert minor_units % 100 == 0
    return f"IDR{minor_units // 100:,}"


def mark_page(page: Page) -> None:
    page.evaluate("window.__marker = 1")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


def log_in(page: Page, user) -> None:
    """Through allauth's login page (where /admin/ sends the seller too), with the factories' password."""
    expect(page).to_have_url(url_path("/accounts/login/"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()


def admin_order_action(page: Page, order: Order, button: str) -> None:
    """On the order's admin page, press ``button``: it leads to a confirmation page."""
    expect(page).to_have_url(url_path(f"/admin/checkout/order/{order.pk}/change/"))
    page.get_by_role("navigation", name="What to do next").get_by_role("link", name=button, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/admin/checkout/order/{order.pk}/[a-z-]+/$"))
    expect(page.get_by_role("link", name="No, go back to the order")).to_have_attribute(
        "href", f"/admin/checkout/order/{order.pk}/change/"
    )


def test_shopper_buys_from_a_feed_tag_by_bank_transfer_and_follows_the_order_the_seller_moves_on(page, seller_page):
    # given: a store that ships and takes bank transfers, a product, a post tagging it,
    # and a shopper who follows the store and has two saved addresses (one the default)
    store = StoreFactory(name=STORE_NAME, slug="kopi-gayo-ayu")
    CheckoutSettingsFactory(
        store=store, bank_name="BCA", bank_account_number=BANK_ACCOUNT, bank_account_holder="Ayu Lestari"
    )
    product = ProductFactory(store=store, title=PRODUCT_TITLE, slug="kopi-gayo-arabica")
    variant = VariantFactory(product=product, sku="KOPI-250", options={"Size": "250 g"}, price=PRICE, stock=STOCK)
    store_profile = services.profile_for_store(store=store)
    make_post(store.owner, profile=store_profile, caption=CAPTION, products=[product])
    shopper = UserFactory(username="dewi", email="dewi@example.com")
    services.follow(follower=shopper, profile=store_profile)
    AddressFactory(user=shopper, label="Office", street="Jl. Sudirman Kav. 52", is_default=False)
    home = AddressFactory(user=shopper, label="Home", recipient="Dewi Lestari", is_default=True)
    seller = store.owner

    # when: the shopper signs in and opens their Following feed
    page.goto("/accounts/login/")
    log_in(page, shopper)
    page.get_by_role("navigation", name="Social").get_by_role("link", name="Feed").click()
    feeds = page.get_by_role("navigation", name="Feeds")
    expect(feeds.get_by_role("link", name="Following")).to_have_attribute("aria-current", "page")
    card = page.get_by_role("article", name=STORE_NAME)
    expect(card.get_by_text(CAPTION)).to_be_visible()
    cart_link = page.get_by_role("navigation", name="Account").get_by_role("link", name=re.compile(r"^Cart"))
    expect(cart_link).to_have_accessible_name("Cart, 0 items")
    mark_page(page)

    # and taps the tag dot on the picture
    card.get_by_role("button", name=f"Tagged: {PRODUCT_TITLE}", exact=True).click()

    # then: the product sheet opens in place
    sheet = page.get_by_role("dialog", name=PRODUCT_TITLE)
    expect(sheet).to_be_visible()
    expect(sheet.get_by_text(idr(PRICE), exact=True)).to_be_visible()
    assert_not_reloaded(page)

    # when: they add it to their cart from the sheet
    sheet.get_by_role("button", name="Add to cart", exact=True).click()

    # then: the sheet says so and the header's count is 1, still on the same page
    expect(sheet.get_by_role("status")).to_contain_text("Added to cart")
    expect(cart_link).to_have_accessible_name("Cart, 1 item")
    expect(cart_link.locator("[data-cart-count]")).to_have_text("1")
    assert_not_reloaded(page)

    # when: they close the sheet, go to the cart and on to checkout
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    cart_link.click()
    expect(page).to_have_url(url_path("/cart/"))
    expect(page.get_by_role("heading", name="Your cart", level=1)).to_be_visible()
    cart_store = page.get_by_role("region", name=STORE_NAME)
    expect(cart_store.get_by_role("link", name=PRODUCT_TITLE)).to_be_visible()
    expect(cart_store.get_by_role("spinbutton", name=re.compile(r"^Quantity"))).to_have_value("1")
    page.get_by_role("link", name="Checkout", exact=True).click()

    # then: the checkout page has their default address chosen and prices the order
    expect(page).to_have_url(url_path("/checkout/"))
    addresses = page.get_by_role("group", name="Ship to")
    expect(addresses.get_by_role("radio", name=re.compile(r"^Home"))).to_be_checked()
    expect(addresses.get_by_role("radio", name=re.compile(r"^Office"))).not_to_be_checked()
    summary = page.get_by_role("region", name="Summary")
    expect(summary.locator(".checkout-summary__total dd")).to_have_text(idr(PRICE + SHIPPING))

    # when: they choose cash on delivery, then change their mind for a bank transfer
    methods = page.get_by_role("group", name="Payment method")
    methods.get_by_role("radio", name=re.compile(r"^Cash on delivery")).check()
    expect(summary.get_by_text("Cash on delivery fee")).to_be_visible()
    methods.get_by_role("radio", name=re.compile(r"^Bank transfer")).check()
    # The summary is re-priced (with a new digest) before the order can be placed.
    expect(summary.get_by_text("Cash on delivery fee")).to_have_count(0)
    expect(summary.get_by_text(re.compile(r"^A bank transfer adds a unique code"))).to_be_visible()
    expect(summary.locator(".checkout-summary__total dd")).to_have_text(idr(PRICE + SHIPPING))
    summary.get_by_role("button", name="Place order").click()

    # then: the thank-you page shows the store's account and the exact amount with its unique code
    expect(page.get_by_role("heading", name="Thank you! Your order is placed.", level=1)).to_be_visible()
    order = Order.objects.get(buyer=shopper)
    assert order.store == store
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.payment_method == PaymentMethod.BANK_TRANSFER
    assert 0 < order.unique_code < 100_000  # a few rupiah
    assert order.total == PRICE + SHIPPING + order.unique_code
    assert order.ship_recipient == home.recipient
    assert list(order.lines.values_list("product_title", "quantity", "unit_price")) == [(PRODUCT_TITLE, 1, PRICE)]
    variant.refresh_from_db()
    assert variant.stock == STOCK - 1

    placed = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=f"Order {order.number}"))
    expect(placed.get_by_text("Awaiting payment", exact=True)).to_be_visible()
    transfer = placed.locator(".transfer-box")
    expect(transfer).to_contain_text("BCA")
    expect(transfer.get_by_text(BANK_ACCOUNT, exact=True)).to_be_visible()
    expect(transfer.get_by_text("Ayu Lestari", exact=True)).to_be_visible()
    amount = transfer.locator(".transfer-amount")
    expect(amount).to_have_text(idr(order.total))
    expect(amount.locator("mark")).to_have_text(f"{order.unique_code // 100:03d}")
    expect(
        page.get_by_role("navigation", name="Account").get_by_role("link", name=re.compile(r"^Cart"))
    ).to_have_accessible_name("Cart, 0 items")

    # when: the seller signs in to the back office and opens the order
    seller_page.goto("/admin/")
    log_in(seller_page, seller)
    expect(seller_page).to_have_url(url_path("/admin/"))
    checkout_app = seller_page.get_by_role("table", name="Checkout", exact=True)
    checkout_app.get_by_role("link", name="Orders", exact=True).click()
    expect(seller_page).to_have_url(url_path("/admin/checkout/order/"))
    seller_page.get_by_role("link", name=order.number, exact=True).click()
    expect(seller_page).to_have_url(url_path(f"/admin/checkout/order/{order.pk}/change/"))
    expect(seller_page.locator(".field-status .readonly")).to_have_text("Awaiting payment")
    expect(seller_page.locator(".field-total_display .readonly")).to_have_text(idr(order.total))

    # and confirms the transfer
    admin_order_action(seller_page, order, "Confirm transfer received")
    expect(
        seller_page.get_by_role("heading", name=f"Has the transfer for order {order.number} arrived in your account?")
    ).to_be_visible()
    seller_page.get_by_role("button", name="Confirm transfer received").click()

    # then: the admin says the order is paid
    expect(seller_page).to_have_url(url_path(f"/admin/checkout/order/{order.pk}/change/"))
    expect(
        seller_page.get_by_text(f"The transfer for order {order.number} is confirmed: the order is paid.")
    ).to_be_visible()
    expect(seller_page.locator(".field-status .readonly")).to_have_text("Paid")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_at is not None

    # when: the shopper opens the order from their account menu
    account = page.get_by_role("navigation", name="Account")
    account.get_by_text(shopper.username, exact=True).click()
    account.get_by_role("link", name="My orders").click()
    expect(page).to_have_url(url_path("/orders/"))
    page.get_by_role("link", name=order.number, exact=True).click()

    # then: it is paid, in its status and its timeline, and there is nothing left to transfer
    expect(page.get_by_role("heading", name=f"Order {order.number}", level=1)).to_be_visible()
    expect(page.locator(".order-page__title .order-status")).to_have_text("Paid")
    timeline = page.get_by_role("region", name="Timeline").get_by_role("listitem")
    expect(timeline.filter(has_text="Paid")).to_have_count(1)
    expect(timeline.filter(has_text="Paid")).to_contain_text(STORE_NAME)
    expect(page.get_by_role("region", name="How to pay")).to_have_count(0)
    expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)

    # when: the seller marks it shipped with the carrier and the tracking number
    admin_order_action(seller_page, order, "Mark shipped")
    seller_page.get_by_label("Carrier").fill(CARRIER)
    seller_page.get_by_label("Tracking number").fill(TRACKING)
    seller_page.get_by_role("button", name="Mark shipped").click()
    expect(seller_page.get_by_text(f"Order {order.number} is marked shipped.")).to_be_visible()
    expect(seller_page.locator(".field-status .readonly")).to_have_text("Shipped")

    # and the shopper reloads their order page
    page.reload()

    # then: it is shipped, with the carrier and the tracking number
    expect(page.locator(".order-page__title .order-status")).to_have_text("Shipped")
    expect(timeline.filter(has_text="Shipped")).to_have_count(1)
    shipping = page.get_by_role("region", name="Shipping")
    expect(shipping).to_contain_text(f"Carrier: {CARRIER}")
    expect(shipping.get_by_text(TRACKING, exact=True)).to_be_visible()

    # and the database agrees
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert (order.carrier, order.tracking_number) == (CARRIER, TRACKING)
    assert list(order.events.values_list("to_status", "actor")) == [
        (OrderStatus.PENDING_PAYMENT, shopper.pk),
        (OrderStatus.PAID, seller.pk),
        (OrderStatus.SHIPPED, seller.pk),
    ]
    variant.refresh_from_db()
    assert variant.stock == STOCK - 1
