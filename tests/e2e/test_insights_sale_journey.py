"""From a tapped tag to the seller's insights, in two real browsers: a shopper taps a tag on
the store's post in their Following feed, buys the product from its sheet and pays by bank
transfer; the seller, from the back office's front page, opens insights and finds that post
among the top posts with one order and its revenue.

What the browser reports (the tag tap) and what the server records (the sheet, the cart, the
order, the payment) go through the real recorder and sink; the test only empties the
process's buffer where the every-five-seconds flush would, confirms the transfer through the
service (the admin's button has its own browser test) and rolls the day up as the schedule does.
"""

import re

from playwright.sync_api import expect

from checkout import services as checkout_services
from checkout.models import Order
from insights import rollups
from insights.models import OrderAttribution, TouchKind
from shop import events
from social import services
from tests.e2e.test_checkout_journey import idr, log_in, url_path
from tests.factories import (
    AddressFactory,
    CheckoutSettingsFactory,
    ProductFactory,
    StoreFactory,
    UserFactory,
    VariantFactory,
    make_post,
)

STORE_NAME = "Tenun Sumba Rambu"
PRODUCT_TITLE = "Selendang Tenun Ikat"
CAPTION = "Selendang baru dari penenun di Sumba Timur."
PRICE = 35_000_000  # IDR350,000
# Headless Chromium says so in its user agent, and the recorder leaves out what looks like a bot.
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def test_a_tag_tapped_and_bought_shows_in_the_sellers_insights(open_context, settings):
    # given a store with a product, its post tagging it, and a shopper who follows the store
    settings.EVENTS_REDIS_URL = ""  # events wait in this process (the live server's) until flushed
    store = StoreFactory(name=STORE_NAME, slug="tenun-sumba-rambu")
    CheckoutSettingsFactory(store=store)
    product = ProductFactory(store=store, title=PRODUCT_TITLE, slug="selendang-tenun-ikat")
    VariantFactory(product=product, price=PRICE, stock=5)
    profile = services.profile_for_store(store=store)
    post = make_post(store.owner, profile=profile, caption=CAPTION, products=[product])
    shopper = UserFactory(username="rina", email="rina@example.com")
    services.follow(follower=shopper, profile=profile)
    AddressFactory(user=shopper, is_default=True)
    page = open_context(user_agent=BROWSER).new_page()

    # when the shopper opens their Following feed, taps the tag and adds the product from its sheet
    page.goto("/accounts/login/")
    log_in(page, shopper)
    page.get_by_role("navigation", name="Social").get_by_role("link", name="Feed").click()
    card = page.get_by_role("article", name=STORE_NAME)
    expect(card.get_by_text(CAPTION)).to_be_visible()
    card.get_by_role("button", name=f"Tagged: {PRODUCT_TITLE}", exact=True).click()
    sheet = page.get_by_role("dialog", name=PRODUCT_TITLE)
    sheet.get_by_role("button", name="Add to cart", exact=True).click()
    expect(sheet.get_by_role("status")).to_contain_text("Added to cart")
    page.keyboard.press("Escape")

    # and checks out by bank transfer
    page.goto("/checkout/")
    page.get_by_role("group", name="Payment method").get_by_role("radio", name=re.compile(r"^Bank transfer")).check()
    summary = page.get_by_role("region", name="Summary")
    expect(summary.get_by_text(re.compile(r"^A bank transfer adds a unique code"))).to_be_visible()
    summary.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", name="Thank you! Your order is placed.", level=1)).to_be_visible()
    order = Order.objects.get(buyer=shopper)

    # and the seller receives the transfer (the schedule's drain and roll-up run meanwhile)
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    events.flush()
    checkout_services.confirm_transfer(order=order, actor=store.owner)
    order.refresh_from_db()
    events.flush()
    rollups.roll_up_day(day=rollups.local_day(order.paid_at))

    # then the order is credited to the post
    credited = OrderAttribution.objects.get(order_id=order.pk)
    assert (credited.kind, credited.post_id, credited.amount) == (TouchKind.POST, post.pk, order.total)

    # when the seller opens insights from the back office's front page
    seller_page = open_context().new_page()
    seller_page.goto("/admin/")
    log_in(seller_page, store.owner)
    expect(seller_page).to_have_url(url_path("/admin/"))
    seller_page.get_by_role("link", name="Your sales, posts, products and chats, day by day").click()
    expect(seller_page).to_have_url(url_path("/insights/"))

    # then the post is among the top posts, with one order and its revenue
    expect(seller_page.get_by_role("heading", name=f"Insights: {STORE_NAME}", level=1)).to_be_visible()
    top_posts = seller_page.get_by_role("region", name="Top posts")
    top = top_posts.get_by_role("listitem").filter(has=seller_page.get_by_role("link", name=CAPTION))
    expect(top).to_have_count(1)
    expect(top.locator(".insights-post__sales")).to_have_text(f"{idr(order.total)} · 1 order")
    expect(seller_page.get_by_role("region", name="Overview")).to_contain_text(idr(order.total))
