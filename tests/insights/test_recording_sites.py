"""Where events are recorded: pages, checkout, follows. Each as ids, after commit, no query added."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop import events
from shop.events import EventName, Source
from social.services.profiles import follow, profile_for_store
from tests.factories import UserFactory, buyable_variant, checkout_cart, make_post, place

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


@pytest.fixture
def recorded(monkeypatch, no_redis):
    """The events handed on since the last call, as (name, store, product, order, user, amount,
    source) tuples."""
    stored = []
    monkeypatch.setattr(events, "_sink", stored.extend)

    def read():
        events.flush()
        batch = [(e.name, e.store_id, e.product_id, e.order_id, e.user_id, e.amount, e.source) for e in stored]
        stored.clear()
        return batch

    return read


def test_a_product_page_view_is_recorded_without_a_query(client, recorded, monkeypatch):
    # given a product on sale and a signed-in shopper
    variant = buyable_variant()
    product = variant.product
    shopper = UserFactory()
    client.force_login(shopper)
    url = product.get_absolute_url()
    client.get(url, headers={"User-Agent": BROWSER})  # caches warm
    recorded()
    # when the page is served with recording, and without it
    with CaptureQueriesContext(connection) as recording:
        assert client.get(url, headers={"User-Agent": BROWSER}).status_code == 200
    monkeypatch.setattr(events, "record", lambda *args, **kwargs: None)
    with CaptureQueriesContext(connection) as not_recording:
        client.get(url, headers={"User-Agent": BROWSER})
    # then the same queries ran, and the view was recorded with the shopper's id
    assert len(recording) == len(not_recording)
    assert recorded() == [(EventName.PRODUCT_VIEW, product.store_id, product.pk, None, shopper.pk, None, 0)]


def test_a_crawler_or_the_seller_viewing_a_product_records_nothing(client, recorded):
    # given a product
    product = buyable_variant().product
    # when a crawler, then the store's owner, open its page
    client.get(product.get_absolute_url(), headers={"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"})
    client.force_login(product.store.owner)
    client.get(product.get_absolute_url(), headers={"User-Agent": BROWSER})
    # then nothing was recorded
    assert recorded() == []


def test_add_to_cart_placing_and_paying_are_recorded_after_commit(recorded, django_capture_on_commit_callbacks):
    # given a shopper and a product
    shopper = UserFactory()
    variant = buyable_variant(price=10_000_000)
    store_id, product_id = variant.store_id, variant.product_id
    # when they add it to the cart, place the order and the seller confirms the transfer
    with django_capture_on_commit_callbacks(execute=True):
        placed = place(shopper, (variant, 2))
    [order] = placed.orders
    from checkout import services

    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_transfer(order=order, actor=order.store.owner)
    # then each is an event with its ids, and the paid one with the order's total
    order.refresh_from_db()
    assert recorded() == [
        (EventName.ADD_TO_CART, store_id, product_id, None, shopper.pk, None, 0),
        (EventName.ORDER_PLACED, store_id, None, order.pk, shopper.pk, order.total, 0),
        (EventName.ORDER_PAID, store_id, None, order.pk, shopper.pk, order.total, 0),
    ]


def test_a_rolled_back_add_to_cart_records_nothing(recorded, django_capture_on_commit_callbacks):
    from django.db import transaction

    shopper = UserFactory()
    variant = buyable_variant()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        checkout_cart(shopper, (variant, 1))
        transaction.set_rollback(True)
    assert recorded() == []


def test_opening_checkout_records_it_once_per_store(client, recorded):
    # given a cart with two stores' products
    shopper = UserFactory()
    first, second = buyable_variant(), buyable_variant()
    checkout_cart(shopper, (first, 1), (second, 1))
    recorded()  # the adds
    client.force_login(shopper)
    # when the checkout page opens
    assert client.get(reverse("checkout:checkout"), headers={"User-Agent": BROWSER}).status_code == 200
    # then checkout started is recorded for each store
    assert sorted(event[:2] for event in recorded()) == [
        (EventName.CHECKOUT_STARTED, first.store_id),
        (EventName.CHECKOUT_STARTED, second.store_id),
    ]


def test_following_a_store_is_recorded(recorded, django_capture_on_commit_callbacks):
    store = buyable_variant().store
    shopper = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        follow(follower=shopper, profile=profile_for_store(store))
    assert recorded() == [(EventName.FOLLOW, store.pk, None, None, shopper.pk, None, 0)]


def test_opening_a_product_sheet_records_it_with_the_feeds_source(client, recorded):
    # given a store's post tagging a product
    variant = buyable_variant()
    post = make_post(variant.store.owner, profile=profile_for_store(variant.store), products=[variant.product])
    tag = post.tags.get()
    # when a shopper opens its sheet from For you
    client.get(
        reverse("social:product_sheet", args=[tag.pk]),
        headers={"User-Agent": BROWSER, "HX-Request": "true", "X-Insights-Source": "for_you"},
    )
    # then the sheet open carries the post, the product, its store and the source
    assert recorded() == [
        (EventName.SHEET_OPEN, variant.store_id, variant.product_id, None, None, None, Source.FOR_YOU)
    ]
