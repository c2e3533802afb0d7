"""The browser's batches: impressions and tag taps, checked whole before anything is recorded."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from shop import events
from shop.events import EventName, Source
from social.models import Post
from social.services.profiles import profile_for_store
from tests.factories import buyable_variant, make_post

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"
URL = "/insights/events/"


@pytest.fixture
def stored(monkeypatch, no_redis):
    batch = []
    monkeypatch.setattr(events, "_sink", batch.extend)
    return batch


@pytest.fixture
def store_post():
    variant = buyable_variant()
    return make_post(variant.store.owner, profile=profile_for_store(store=variant.store), products=[variant.product])


def _send(client, source="for_you", items=(), **extra):
    body = {"batch": json.dumps({"source": source, "events": list(items)})}
    return client.post(URL, body, headers={"User-Agent": BROWSER}, **extra)


def test_the_endpoint_is_where_the_script_says():
    assert reverse("insights:collect") == URL


def test_a_batch_records_impressions_and_taps_with_ids_from_the_database(client, stored, store_post):
    # given a visitor with a visitor cookie, and a store's post with a tagged product
    client.cookies[events.VISITOR_COOKIE] = "4242"
    tag = store_post.tags.get()
    # when their browser reports an impression and a tap on For you
    response = _send(
        client,
        items=[
            {"name": "post_impression", "post": store_post.pk},
            {"name": "tag_tap", "post": store_post.pk, "tag": tag.pk},
        ],
    )
    # then both are recorded with the post's store and the tag's product, and the visitor
    assert response.status_code == 204
    events.flush()
    store_id = tag.product.store_id
    assert [(e.name, e.post_id, e.store_id, e.product_id, e.visitor, e.source) for e in stored] == [
        (EventName.POST_IMPRESSION, store_post.pk, store_id, None, 4242, Source.FOR_YOU),
        (EventName.TAG_TAP, store_post.pk, store_id, tag.product_id, 4242, Source.FOR_YOU),
    ]


@pytest.mark.parametrize(
    "source, items",
    [
        ("for_you", [{"name": "order_paid", "post": 1}]),  # a name only the server records
        ("for_you", [{"name": "nonsense", "post": 1}]),
        ("nowhere", [{"name": "post_impression", "post": 1}]),
        ("for_you", [{"name": "post_impression", "post": "1"}]),
        ("for_you", [{"name": "post_impression", "post": -1}]),
        ("for_you", [{"name": "post_impression", "post": 10**20}]),
        ("for_you", [{"name": "tag_tap", "post": 1}]),
        ("for_you", []),
        ("for_you", [{"name": "post_impression", "post": 1}] * 51),
        ("for_you", ["post_impression"]),
    ],
)
def test_a_malformed_batch_is_refused_whole(client, stored, store_post, source, items):
    items = [
        dict(item, post=store_post.pk) if isinstance(item, dict) and item.get("post") == 1 else item for item in items
    ]
    # (a good impression first: one bad event refuses the whole batch)
    good = [{"name": "post_impression", "post": store_post.pk}] if items else []
    response = _send(client, source=source, items=[*good, *items])
    assert response.status_code == 400
    events.flush()
    assert stored == []


def test_unknown_or_hidden_posts_and_foreign_tags_refuse_the_batch(client, stored, store_post):
    # given another post, and a tag of another post
    other = make_post(products=[buyable_variant().product])
    other_tag = other.tags.get()
    good = {"name": "post_impression", "post": store_post.pk}
    # when a batch names a post that does not exist, a tag of another post, a hidden post
    missing = _send(client, items=[good, {"name": "post_impression", "post": other.pk + 1000}])
    foreign = _send(client, items=[good, {"name": "tag_tap", "post": store_post.pk, "tag": other_tag.pk}])
    Post.objects.filter(pk=other.pk).update(is_hidden=True)
    hidden = _send(client, items=[good, {"name": "post_impression", "post": other.pk}])
    # then each is refused, and nothing is recorded
    assert [missing.status_code, foreign.status_code, hidden.status_code] == [400, 400, 400]
    events.flush()
    assert stored == []


def test_a_batch_without_the_csrf_token_is_refused(stored, store_post):
    response = _send(Client(enforce_csrf_checks=True), items=[{"name": "post_impression", "post": store_post.pk}])
    assert response.status_code == 403


def test_only_post_is_allowed(client):
    assert client.get(URL).status_code == 405


def test_batches_past_the_rate_are_refused(client, stored, store_post, settings):
    # given a limit of two batches a minute
    settings.INSIGHTS_BATCHES_PER_MINUTE = 2
    client.cookies[events.VISITOR_COOKIE] = "77"
    item = {"name": "post_impression", "post": store_post.pk}
    # when a visitor sends three
    codes = [_send(client, items=[item]).status_code for _ in range(3)]
    # then the third is refused
    assert codes == [204, 204, 429]
