"""The seller's bell counts up while they look at the site: a new follower, then a new order.

The page is never reloaded (``window.__marker`` survives): the count arrives by the bell's
htmx polling, shortened to one second here through ``NOTIFICATION_POLL_SECONDS``.
"""

import re

import pytest
from playwright.sync_api import expect

from social import services
from tests.factories import PASSWORD, AddressFactory, UserFactory, buyable_variant, place

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_seller_sees_the_bell_rise_for_a_follower_and_for_an_order(page, live_server, settings):
    # given a seller looking at their store page, with an empty inbox
    settings.NOTIFICATION_POLL_SECONDS = 1
    variant = buyable_variant(price=9_000_000, stock=3)
    store = variant.store
    seller = store.owner
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(seller.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()
    page.goto(store.get_absolute_url())
    bell = page.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(bell).to_be_visible()
    expect(bell.locator(".bell__badge")).to_have_count(0)
    page.evaluate("window.__marker = 'still here'")

    # when a shopper follows the store
    shopper = UserFactory()
    services.follow(follower=shopper, profile=services.profile_for_store(store=store))
    # then the bell shows 1 without a reload
    expect(bell.locator(".bell__badge")).to_have_text("1")
    expect(bell).to_have_accessible_name(re.compile(r"\(1 unread\)"))

    # when the shopper places an order from the store
    place(shopper, (variant, 1), address=AddressFactory(user=shopper))
    # then the bell shows 2, still on the same page
    expect(bell.locator(".bell__badge")).to_have_text("2")
    assert page.evaluate("window.__marker") == "still here"

    # and the inbox lists both, newest first
    bell.click()
    rows = page.get_by_role("main").get_by_role("listitem")
    expect(rows.first).to_contain_text("order")
    expect(page.get_by_role("main")).to_contain_text(f"{shopper.username} started following you")
