import pickle
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from shop.cursors import BadCursor
from social import selectors, services
from social.models import FeedEntry
from social.selectors import for_you
from social.selectors.for_you import Ranking
from tests.factories import ProductFactory, StoreFactory, UserFactory, make_post

pytestmark = pytest.mark.django_db


def _ids(page):
    return [post.pk for post in page.items]


def _walk(feed, **kwargs):
    """Every page of a feed, following the cursors."""
    seen, cursor = [], None
    while True:
        page = feed(cursor=cursor, **kwargs)
        seen += _ids(page)
        if not page.has_next:
            return seen
        cursor = page.next_cursor


@pytest.fixture
def now():
    return timezone.now()


def test_following_shows_followed_profiles_newest_first_and_nothing_else(now):
    # given
    shopper, store, friend = UserFactory(), StoreFactory(), UserFactory()
    services.follow(follower=shopper, profile=services.profile_for_store(store=store))
    services.follow(follower=shopper, profile=services.profile_for_user(user=friend))
    old = make_post(store.owner, profile=services.profile_for_store(store=store), at=now - timedelta(days=2))
    new = make_post(friend, at=now - timedelta(hours=1))
    make_post(store.owner, at=now)  # the owner's personal post: not the store's
    make_post()  # a stranger
    # when
    page = selectors.following_feed(user=shopper)
    # then
    assert _ids(page) == [new.pk, old.pk]
    assert not page.has_next


def test_a_new_post_reaches_built_feeds_through_fan_out(django_capture_on_commit_callbacks):
    # given a follower whose feed exists
    shopper, store = UserFactory(), StoreFactory()
    services.follow(follower=shopper, profile=services.profile_for_store(store=store))
    assert _ids(selectors.following_feed(user=shopper)) == []
    # when the store posts (fan-out runs after commit)
    with django_capture_on_commit_callbacks(execute=True):
        post = make_post(store.owner, profile=services.profile_for_store(store=store))
    # then
    assert FeedEntry.objects.filter(owner=shopper, post=post).exists()
    assert _ids(selectors.following_feed(user=shopper)) == [post.pk]


def test_fan_out_is_idempotent_and_skips_unbuilt_feeds():
    store = StoreFactory()
    built, lazy = UserFactory(), UserFactory()
    for user in (built, lazy):
        services.follow(follower=user, profile=services.profile_for_store(store=store))
    services.build_feed(user=built)
    post = make_post(store.owner, profile=services.profile_for_store(store=store))
    services.fan_out_post(post_id=post.pk)
    services.fan_out_post(post_id=post.pk)
    assert list(FeedEntry.objects.filter(post=post).values_list("owner", flat=True)) == [built.pk]
    # the lazy follower's feed is built on first visit and has the post too
    assert _ids(selectors.following_feed(user=lazy)) == [post.pk]


def test_following_later_adds_recent_posts_and_unfollowing_removes_them():
    shopper, store = UserFactory(), StoreFactory()
    services.build_feed(user=shopper)
    post = make_post(store.owner, profile=services.profile_for_store(store=store))
    services.follow(follower=shopper, profile=services.profile_for_store(store=store))
    assert _ids(selectors.following_feed(user=shopper)) == [post.pk]
    services.unfollow(follower=shopper, profile=services.profile_for_store(store=store))
    assert _ids(selectors.following_feed(user=shopper)) == []


def test_following_pages_with_cursors_without_gaps_or_repeats(monkeypatch, now):
    # given 45 posts, some sharing one timestamp; the built feed holds only the newest 30
    monkeypatch.setattr("social.services.feeds.BUILD_LIMIT", 30)
    shopper, author = UserFactory(), UserFactory()
    services.follow(follower=shopper, profile=services.profile_for_user(user=author))
    posts = [make_post(author, at=now - timedelta(minutes=i // 3)) for i in range(45)]
    expected = [p.pk for p in sorted(posts, key=lambda p: (p.created_at, p.pk), reverse=True)]
    # when
    seen = _walk(selectors.following_feed, user=shopper, limit=10)
    # then
    assert seen == expected
    assert FeedEntry.objects.filter(owner=shopper).count() == 30


def test_a_forged_cursor_is_refused():
    with pytest.raises(BadCursor):
        selectors.following_feed(user=UserFactory(), cursor="bm90LWEtY3Vyc29y")
    with pytest.raises(BadCursor):
        selectors.for_you_feed(cursor="!!!")


def test_for_you_ranks_engagement_discovers_strangers_and_never_shows_my_posts(now):
    # given
    me = UserFactory()
    mine = make_post(me, at=now)
    quiet = make_post(at=now - timedelta(hours=2))
    loved = make_post(at=now - timedelta(hours=2))
    for _ in range(5):
        services.like(user=UserFactory(), post=loved)
    stale = make_post(at=now - timedelta(days=30))
    for _ in range(5):
        services.like(user=UserFactory(), post=stale)
    # when
    ids = _ids(selectors.for_you_feed(user=me))
    # then
    assert mine.pk not in ids
    assert ids.index(loved.pk) < ids.index(quiet.pk) < ids.index(stale.pk)


def test_friends_likes_boost_a_post_in_for_you(now):
    # given a friend (mutual follow) who liked an older post
    me, friend = UserFactory(), UserFactory()
    services.follow(follower=me, profile=services.profile_for_user(user=friend))
    services.follow(follower=friend, profile=services.profile_for_user(user=me))
    newer = make_post(at=now)
    older = make_post(at=now - timedelta(hours=12))  # half a day: one like does not make up for it
    services.like(user=friend, post=older)
    # when / then: the friend's like lifts the older post above the newer one for me only
    assert _ids(selectors.for_you_feed(user=me))[:2] == [older.pk, newer.pk]
    assert _ids(selectors.for_you_feed(user=None))[:2] == [newer.pk, older.pk]


def test_for_you_pages_through_the_ranking_and_beyond(monkeypatch, now):
    monkeypatch.setattr(for_you, "FOR_YOU_CANDIDATES", 7)  # where the ranking reads it
    posts = [make_post(at=now - timedelta(minutes=i)) for i in range(25)]
    seen = _walk(selectors.for_you_feed, user=None, limit=4)
    assert sorted(seen) == sorted(p.pk for p in posts)
    assert len(seen) == len(set(seen)) == 25


def test_hashtag_saved_and_seen_in_posts(now):
    # given
    product = ProductFactory()
    first = make_post(caption="#Batik hari ini", products=[product], at=now - timedelta(hours=1))
    second = make_post(caption="lagi #batik", at=now)
    saver = UserFactory()
    services.save_post(user=saver, post=first)
    # then
    hashtag, page = selectors.hashtag_feed(name="BATIK")
    assert hashtag.name == "batik" and _ids(page) == [second.pk, first.pk]
    assert _ids(selectors.saved_posts(user=saver)) == [first.pk]
    assert [p.pk for p in selectors.posts_tagging(product=product)] == [first.pk]


def test_post_cards_carry_viewer_state_and_tagged_products():
    viewer = UserFactory()
    product = ProductFactory()
    from tests.factories import VariantFactory

    VariantFactory(product=product, price=12_300_000)
    post = make_post(products=[product])
    services.like(user=viewer, post=post)
    card = selectors.post_detail(pk=post.pk, user=viewer)
    assert card.viewer_liked and not card.viewer_saved and not card.viewer_follows
    assert card.tagged_products == [product]
    assert card.tagged_products[0].from_price == 12_300_000
    assert card.ordered_images[0].image_tags[0].product == product


def test_trimming_keeps_the_newest_entries_and_older_pages_still_work(now):
    # given a built feed of 12 posts
    shopper, author = UserFactory(), UserFactory()
    services.follow(follower=shopper, profile=services.profile_for_user(user=author))
    posts = [make_post(author, at=now - timedelta(minutes=i)) for i in range(12)]
    services.build_feed(user=shopper)
    # when
    deleted = services.trim_feeds(keep=5)
    # then
    assert deleted == 7
    kept = set(FeedEntry.objects.filter(owner=shopper).values_list("post_id", flat=True))
    assert kept == {p.pk for p in posts[:5]}
    assert _walk(selectors.following_feed, user=shopper, limit=4) == [p.pk for p in posts]


def test_a_cached_ranking_finds_the_page_after_any_cursor_as_a_scan_would():
    # given pairs best first, with ties on the score, as the cache gives them back
    rng = random.Random(7)
    pairs = sorted(
        {(float(rng.randint(0, 30)) / 4, rng.randint(1, 500)) for _ in range(300)}, key=lambda p: (-p[0], -p[1])
    )
    ranking = pickle.loads(pickle.dumps(Ranking(pairs, floor=pairs[-1])))
    assert len(ranking) == len(pairs) and ranking.complete is False
    # then from the start, from each pair, and from positions between pairs, the next page is
    # the first pairs smaller than the position
    positions = [None, *pairs, (7.6, 1), (3.0, 10_000), (-1.0, 0), (100.0, 1)]
    for position in positions:
        expected = [pair for pair in pairs if position is None or pair < position][:21]
        start = ranking.start_after(position)
        assert ranking.pairs(start, start + 21) == expected, position
