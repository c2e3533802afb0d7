"""Cached post cards (social.cards) and the feed pages' plain-SQL rows (social.feed_rows):
the same HTML and the same posts as the uncached ORM path, for every viewer."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse

from social import cards, selectors, services
from social.models import Post
from tests.factories import ProductFactory, StoreFactory, UserFactory, VariantFactory, make_post

pytestmark = pytest.mark.django_db

BACK = "/feed/following/?cursor=a&b=<c>"


def _product(store, title="Kopi Gayo"):
    product = ProductFactory(title=title, store=store)
    VariantFactory(product=product, price=15_000_000, stock=3)
    return product


@pytest.fixture
def world():
    """A viewer who follows two stores and a friend; posts with tags; some liked, saved, hidden, blocked."""
    viewer, friend, stranger, blocked = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    stores = [StoreFactory(), StoreFactory()]
    for store in stores:
        services.follow(follower=viewer, profile=services.profile_for_store(store))
    services.follow(follower=viewer, profile=services.profile_for_user(friend))
    services.follow(follower=viewer, profile=services.profile_for_user(blocked))
    posts = []
    for number in range(14):
        store = stores[number % 2]
        posts.append(
            make_post(
                store.owner,
                profile=services.profile_for_store(store),
                caption=f"#batik number {number} @{friend.username}",
                products=[_product(store, f"P{number}-{n}") for n in range(1 + number % 3)],
                images=1 + number % 2,
            )
        )
    posts.append(make_post(friend, caption="from a friend"))
    posts.append(make_post(stranger, caption="a stranger, for you only"))
    posts.append(make_post(blocked, caption="blocked later"))
    posts.append(make_post(viewer, caption="my own post"))
    for post in posts[:6]:
        services.like(user=viewer, post=post)
    for post in posts[2:5]:
        services.save_post(user=viewer, post=post)
    services.add_comment(author=stranger, post=posts[1], body="nice")
    services.block(blocker=viewer, blocked=blocked)
    services.hide_post(post=posts[7])
    cache.clear()
    return {"viewer": viewer, "friend": friend, "stranger": stranger, "posts": posts}


def _norm(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", str(html))


def _direct(posts, viewer) -> str:
    """The cards as components/post_card.html renders them, one by one, uncached."""
    request = RequestFactory().get(BACK)
    request.user = viewer
    template = get_template("components/post_card.html")
    return "".join(template.render({"post": post, "back_url": BACK}, request=request) for post in posts)


def _cached(posts, viewer, token="the-token") -> str:
    return cards.render_cards(posts, viewer=viewer, csrf_token=token, back_url=BACK)


def _walk(feed, **kwargs) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = feed(cursor=cursor, limit=5, **kwargs)
        pages.append([post.pk for post in page.items])
        if not page.has_next:
            return pages
        cursor = page.next_cursor


def test_plain_sql_rows_pick_the_same_posts_as_the_orm(world):
    # given
    viewer = world["viewer"]
    # when / then: every page of both feeds, for the viewer and for nobody
    assert _walk(selectors.following_feed_refs, user=viewer) == _walk(selectors.following_feed, user=viewer)
    assert _walk(selectors.for_you_feed_refs, user=viewer) == _walk(selectors.for_you_feed, user=viewer)
    assert _walk(selectors.for_you_feed_refs, user=AnonymousUser()) == _walk(
        selectors.for_you_feed, user=AnonymousUser()
    )
    ids = sum(_walk(selectors.following_feed_refs, user=viewer), [])
    hidden, blocked = world["posts"][7], world["posts"][16]
    assert hidden.pk not in ids and blocked.pk not in ids
    assert world["posts"][14].pk in ids  # the friend's


def test_plain_sql_rows_carry_the_viewers_state_like_decorate(world):
    viewer = world["viewer"]
    light = selectors.following_feed_refs(user=viewer, limit=50).items
    full = selectors.following_feed(user=viewer, limit=50).items
    fields = ("pk", "viewer_liked", "viewer_saved", "viewer_follows", "viewer_is_author", "like_count", "created_at")
    assert [[getattr(p, f) for f in fields] for p in light] == [[getattr(p, f) for f in fields] for p in full]
    assert sum(p.viewer_liked for p in light) == 6 and sum(p.viewer_saved for p in light) == 3
    # For you reads the state with its rows too (the stranger's post: followed by nobody)
    light = selectors.for_you_feed_refs(user=viewer, limit=50).items
    full = selectors.for_you_feed(user=viewer, limit=50).items
    assert [[getattr(p, f) for f in fields] for p in light] == [[getattr(p, f) for f in fields] for p in full]
    assert sum(p.viewer_follows for p in light) == len(light) - 1


def test_a_following_page_reads_its_posts_and_the_viewers_state_in_one_query(world, django_assert_num_queries):
    # given a built feed with more posts than a page
    viewer = world["viewer"]
    selectors.following_feed_refs(user=viewer)
    # when / then: one query for the rows with their likes, saves and follows
    with django_assert_num_queries(1):
        page = selectors.following_feed_refs(user=viewer, limit=5)
    assert page.has_next and len(page.items) == 5
    assert [post.viewer_liked for post in page.items] == [post.pk in _liked(viewer) for post in page.items]


def _liked(viewer) -> set[int]:
    from social.models import Like

    return set(Like.objects.filter(user=viewer).values_list("post_id", flat=True))


def test_a_feed_never_built_is_built_on_the_first_visit(world):
    # given a viewer whose feed was never materialised
    from social.models import FeedEntry, Profile

    viewer = world["viewer"]
    FeedEntry.objects.filter(owner=viewer).delete()
    Profile.objects.filter(user=viewer).update(feed_built_at=None)
    # when / then: the first page is the same as the ORM's, and the feed is built
    assert _walk(selectors.following_feed_refs, user=viewer) == _walk(selectors.following_feed, user=viewer)
    assert Profile.objects.get(user=viewer).feed_built_at is not None
    assert FeedEntry.objects.filter(owner=viewer).exists()


@pytest.mark.parametrize("signed_in", [True, False])
def test_cached_cards_are_the_cards_the_template_renders(world, signed_in):
    viewer = world["viewer"] if signed_in else AnonymousUser()
    full = selectors.for_you_feed(user=viewer, limit=50).items
    expected = _norm(_direct(full, viewer))
    # a cold cache renders and stores the cards, a warm one puts them together from the stencils
    light = selectors.for_you_feed_refs(user=viewer, limit=50).items
    assert _norm(_cached(light, viewer)) == expected
    light = selectors.for_you_feed_refs(user=viewer, limit=50).items
    assert _norm(_cached(light, viewer)) == expected
    # full post cards (the hashtag, saved and profile pages) go through the same cache
    assert _norm(_cached(full, viewer)) == expected


def test_one_viewers_state_never_reaches_another_viewer_through_the_cache(world):
    # given the viewer liked, saved and follows; the stranger did none of it
    viewer, stranger = world["viewer"], world["stranger"]
    post = world["posts"][2]
    _cached(selectors.following_feed_refs(user=viewer).items, viewer, token="viewer-token")
    # when the stranger gets the same (cached) card
    rows = [row for row in selectors.for_you_feed_refs(user=stranger, limit=50).items if row.pk == post.pk]
    html = _cached(rows, stranger, token="stranger-token")
    # then it shows the stranger's own state, token and address
    assert 'like-button" type="submit" aria-pressed="false"' in html
    assert 'save-button" type="submit" aria-pressed="false"' in html
    assert "follow-form" in html  # the stranger does not follow the store: the button is there
    assert 'value="stranger-token"' in html and "viewer-token" not in html
    assert cards.CSRF_SENTINEL not in html and cards.BACK_URL_SENTINEL not in html
    assert 'value="/feed/following/?cursor=a&amp;b=&lt;c&gt;"' in html
    mine = _cached([r for r in selectors.following_feed_refs(user=viewer).items if r.pk == post.pk], viewer)
    assert 'like-button" type="submit" aria-pressed="true"' in mine and "follow-form" not in mine


def test_a_like_a_comment_or_an_edit_shows_at_once_and_tag_changes_drop_the_card(world):
    viewer, stranger = world["viewer"], world["stranger"]
    post = world["posts"][9]

    def card() -> str:
        rows = [row for row in selectors.following_feed_refs(user=viewer, limit=50).items if row.pk == post.pk]
        return str(_cached(rows, viewer))

    assert "0 likes" in card()
    services.like(user=stranger, post=Post.objects.get(pk=post.pk))
    assert "1 like<" in card()
    services.edit_caption(post=Post.objects.get(pk=post.pk), editor=post.author, caption="Fresh words")
    assert "Fresh words" in card()
    store = post.profile.store
    product = _product(store, "Newly tagged")
    services.tag_product(actor=post.author, image=post.images.first(), product=product, x=0.5, y=0.5)
    assert "Newly tagged" in card()


def test_the_feed_pages_serve_cached_cards_with_the_requests_csrf_token(client, world):
    viewer = world["viewer"]
    client.force_login(viewer)
    for _ in range(2):  # cold, then warm
        response = client.get(reverse("social:following"))
        body = response.content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
        assert token not in (cards.CSRF_SENTINEL, "")
        assert cards.CSRF_SENTINEL not in body and cards.BACK_URL_SENTINEL not in body
        assert body.count('like-button" type="submit" aria-pressed="true"') == 6
