"""A feed page is full and keeps its next cursor whenever more posts exist, however many posts
near it were hidden, deleted or their author blocked, and following the cursors reaches every
visible post exactly once. For you reads its cached ranking past them (the selectors, the HTML
pages, the API); a hashtag's posts and the Saved list read only visible posts in their window."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from social import selectors, services
from social.selectors import for_you
from tests.factories import UserFactory, make_post

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
FILTERS = ["hidden", "deleted", "blocked"]
SENTINEL = re.compile(r'hx-get="(/feed/for-you/\?cursor=[^"]+)" hx-trigger="revealed, click"')
CARD = re.compile(r'<article class="post-card" id="post-(\d+)"')


def _posts(count: int, *, gone_at: range, caption: str = "A new post") -> tuple[list, list]:
    """``count`` posts without engagement a minute apart (For you ranks them newest first);
    those at ``gone_at`` are one author's. Returns (all posts best first, that author's)."""
    now, gone_author = timezone.now(), UserFactory()
    posts = [
        make_post(gone_author if n in gone_at else None, caption=caption, at=now - timedelta(minutes=n))
        for n in range(count)
    ]
    return posts, [posts[n] for n in gone_at]


def _filter_out(kind: str, posts: list, *, viewer) -> None:
    """Take ``posts`` (one author's) out of ``viewer``'s For you, the way ``kind`` says."""
    if kind == "hidden":
        for post in posts:
            services.hide_post(post=post)
    elif kind == "deleted":
        for post in posts:
            services.delete_post(post=post, actor=post.author)
    else:
        services.block(blocker=viewer, blocked=posts[0].author)


def _visible(posts: list, gone: list) -> list[int]:
    return [post.pk for post in posts if post not in gone]


def _walk(feed, **kwargs) -> tuple[list[list[int]], list[bool]]:
    """Every page of a selector's feed, following the cursors: (ids per page, has_next per page)."""
    pages, more, cursor = [], [], None
    while True:
        page = feed(cursor=cursor, **kwargs)
        pages.append([post.pk for post in page.items])
        more.append(page.has_next)
        if not page.has_next:
            return pages, more
        cursor = page.next_cursor


@pytest.mark.parametrize("kind", FILTERS)
def test_a_page_reads_the_cached_ranking_past_posts_filtered_out_since(kind):
    feed = selectors.for_you_feed
    # given eleven posts; the ranking is cached, then three inside the first page's window
    # (more than its headroom) leave the feed
    viewer = UserFactory()
    posts, gone = _posts(11, gone_at=range(1, 4))
    feed(user=viewer, limit=4)
    _filter_out(kind, gone, viewer=viewer)
    # when
    pages, more = _walk(feed, user=viewer, limit=4)
    # then every page but the last is full and has its cursor, and every visible post comes once
    assert [len(page) for page in pages] == [4, 4]
    assert more == [True, False]
    assert sum(pages, []) == _visible(posts, gone)


@pytest.mark.parametrize("kind", FILTERS)
def test_past_a_ranking_of_fewer_candidates_than_posts_every_visible_post_comes_once(monkeypatch, kind):
    # given more posts than ranked candidates, a friend's like on an old one (boosted, yet
    # below the candidates), and posts inside the first window filtered out after the ranking
    monkeypatch.setattr(for_you, "FOR_YOU_CANDIDATES", 6)
    viewer, friend = UserFactory(), UserFactory()
    services.follow(follower=viewer, profile=services.profile_for_user(user=friend))
    services.follow(follower=friend, profile=services.profile_for_user(user=viewer))
    posts, gone = _posts(13, gone_at=range(2, 5))
    old = make_post(at=timezone.now() - timedelta(days=5))
    services.like(user=friend, post=old)
    selectors.for_you_feed(user=viewer, limit=4)
    _filter_out(kind, gone, viewer=viewer)
    # when
    pages, more = _walk(selectors.for_you_feed, user=viewer, limit=4)
    # then
    assert [len(page) for page in pages] == [4, 4, 3]
    assert more == [True, True, False]
    assert sum(pages, []) == [*_visible(posts, gone), old.pk]


def test_a_page_costs_one_read_of_posts_when_nothing_was_filtered_out(django_assert_num_queries):
    # given a cached ranking
    viewer = UserFactory()
    _posts(8, gone_at=range(0))
    selectors.for_you_feed(user=viewer, limit=4)
    # then a page is one query (its posts with the viewer's state), as before
    with django_assert_num_queries(1):
        page = selectors.for_you_feed(user=viewer, limit=4)
    assert len(page.items) == 4 and page.has_next


@pytest.mark.parametrize("kind", FILTERS)
def test_the_for_you_page_stays_full_and_scrolls_to_every_visible_post(client, kind):
    # given a page and a bit of posts, the ranking cached by a first visit, then three posts
    # on the first page filtered out
    viewer = UserFactory()
    client.force_login(viewer)
    posts, gone = _posts(selectors.PAGE_SIZE + 4, gone_at=range(5, 8))
    assert client.get(reverse("social:for_you")).status_code == 200
    _filter_out(kind, gone, viewer=viewer)
    # when the visitor scrolls
    first = client.get(reverse("social:for_you")).content.decode()
    sentinel = SENTINEL.search(first)
    assert sentinel, "a full first page ends with the sentinel that loads the next"
    second = client.get(html.unescape(sentinel.group(1)), headers=HX).content.decode()
    # then
    seen = [int(pk) for pk in CARD.findall(first) + CARD.findall(second)]
    assert len(CARD.findall(first)) == selectors.PAGE_SIZE
    assert seen == _visible(posts, gone)
    assert not SENTINEL.search(second)


@pytest.mark.parametrize("kind", FILTERS)
def test_the_for_you_api_pages_stay_full_and_reach_every_visible_post(kind):
    # given
    viewer = UserFactory()
    api = APIClient()
    api.force_login(viewer)
    posts, gone = _posts(11, gone_at=range(0, 3))
    url = "http://testserver/api/v1/feed/for-you/?limit=4"
    assert api.get(url).status_code == 200
    _filter_out(kind, gone, viewer=viewer)
    # when
    pages = []
    while url:
        body = api.get(url).json()
        pages.append([item["id"] for item in body["results"]])
        url = body["next"]
    # then
    assert [len(page) for page in pages] == [4, 4]
    assert sum(pages, []) == _visible(posts, gone)


@pytest.mark.parametrize("kind", FILTERS)
def test_a_hashtag_page_stays_full_past_posts_filtered_out(kind):
    # given
    viewer = UserFactory()
    posts, gone = _posts(11, gone_at=range(1, 4), caption="hari ini #batik")
    _filter_out(kind, gone, viewer=viewer)

    def hashtag_page(**kwargs):
        return selectors.hashtag_feed(name="batik", **kwargs)[1]

    # when
    pages, more = _walk(hashtag_page, user=viewer, limit=4)
    # then
    assert [len(page) for page in pages] == [4, 4]
    assert more == [True, False]
    assert sum(pages, []) == _visible(posts, gone)


@pytest.mark.parametrize("kind", ["hidden", "blocked"])
def test_the_saved_list_stays_full_past_posts_filtered_out(kind):
    # given eleven saved posts, the last saved first, three of them among the first page's
    viewer = UserFactory()
    posts, gone = _posts(11, gone_at=range(1, 4))
    for post in reversed(posts):
        services.save_post(user=viewer, post=post)
    _filter_out(kind, gone, viewer=viewer)
    # when
    pages, more = _walk(selectors.saved_posts, user=viewer, limit=4)
    # then
    assert [len(page) for page in pages] == [4, 4]
    assert more == [True, False]
    assert sum(pages, []) == _visible(posts, gone)
