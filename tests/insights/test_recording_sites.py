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
        follow(follower=shopper, profile=profile_for_store(store=store))
    assert recorded() == [(EventName.FOLLOW, store.pk, None, None, shopper.pk, None, 0)]


def test_opening_a_product_sheet_records_it_with_the_feeds_source(client, recorded):
    # given a store's post tagging a product
    variant = buyable_variant()
    post = make_post(variant.store.owner, profile=profile_for_store(store=variant.store), products=[variant.product])
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


def test_a_product_view_carries_its_links_source_and_post(client, recorded):
    # given a product
    product = buyable_variant().product
    url = product.get_absolute_url()
    # when it is opened from a search result, a post's tag link, another site, and the site itself
    client.get(f"{url}?src=search", headers={"User-Agent": BROWSER})
    client.get(f"{url}?src=following&post=12", headers={"User-Agent": BROWSER})
    client.get(url, headers={"User-Agent": BROWSER, "Referer": "https://l.instagram.com/?u=x"})
    client.get(url, headers={"User-Agent": BROWSER, "Referer": "http://testserver/"})
    client.get(f"{url}?src=nonsense&post=x", headers={"User-Agent": BROWSER})
    events.flush()
    # then each view has its source
    assert [event[-1] for event in recorded()] == [
        Source.SEARCH,
        Source.FOLLOWING,
        Source.SHARED_LINK,
        Source.DIRECT,
        Source.DIRECT,
    ]


def test_a_tagged_products_link_names_the_post(client, recorded, monkeypatch):
    # given a store's post tagging a product, shown in the feed
    variant = buyable_variant()
    post = make_post(variant.store.owner, profile=profile_for_store(store=variant.store), products=[variant.product])
    stored = []
    monkeypatch.setattr(events, "_sink", stored.extend)
    # when a shopper follows the link the post's card gives
    page = client.get(reverse("social:post_detail", args=[post.pk]), headers={"User-Agent": BROWSER})
    link = f"{variant.product.get_absolute_url()}?post={post.pk}"
    assert link in page.content.decode()
    client.get(link, headers={"User-Agent": BROWSER})
    events.flush()
    # then the product view is of the post
    assert [(e.name, e.post_id) for e in stored if e.name == EventName.PRODUCT_VIEW] == [
        (EventName.PRODUCT_VIEW, post.pk)
    ]


def test_a_chat_started_an_offer_sent_and_accepted_are_recorded(
    monkeypatch, no_redis, django_capture_on_commit_callbacks
):
    from chat.models import Offer
    from tests.chat.factories import conversation
    from tests.chat.offer_helpers import buy, send

    # given a store with a product and a shopper
    stored = []
    monkeypatch.setattr(events, "_sink", stored.extend)
    variant = buyable_variant()
    shopper = UserFactory()
    # when the shopper opens a chat (twice), the store sends an offer and the shopper buys it
    with django_capture_on_commit_callbacks(execute=True):
        chat = conversation(shopper=shopper, store=variant.store)
        conversation(shopper=shopper, store=variant.store)
        send(chat, [(variant, 1, None)])
    with django_capture_on_commit_callbacks(execute=True):
        buy(Offer.objects.get(conversation=chat))
    events.flush()
    # then the chat started once, and each names the store, the shopper and the conversation
    chat_events = [EventName.CHAT_STARTED, EventName.OFFER_SENT, EventName.OFFER_ACCEPTED]
    assert [(e.name, e.store_id, e.user_id, e.ref_id) for e in stored if e.name in chat_events] == [
        (name, variant.store_id, shopper.pk, chat.pk) for name in chat_events
    ]
