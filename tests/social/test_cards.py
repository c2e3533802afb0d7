"""Post cards from stencils (social.cards) and the feeds' rows (social.selectors): the same
HTML as the card template renders, and the posts a viewer may see, for every viewer."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.template import Context, Template
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse

from shop import stencil
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
        services.follow(follower=viewer, profile=services.profile_for_store(store=store))
    services.follow(follower=viewer, profile=services.profile_for_user(user=friend))
    services.follow(follower=viewer, profile=services.profile_for_user(user=blocked))
    posts = []
    for number in range(14):
        store = stores[number % 2]
        posts.append(
            make_post(
                store.owner,
                profile=services.profile_for_store(store=store),
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


def _following_expected(viewer) -> list[int]:
    """The Following feed as the rule says, read another way: the followed profiles' posts,
    not hidden, newest first (the viewer's block removed their follow of the blocked)."""
    from social.models import Follow

    followed = Follow.objects.filter(follower=viewer).values("followee_id")
    posts = Post.objects.filter(profile_id__in=followed, is_hidden=False).order_by("-created_at", "-id")
    return list(posts.values_list("id", flat=True))


def test_the_feeds_rows_are_the_posts_the_viewer_may_see_and_the_api_shows_them(world):
    # given
    viewer = world["viewer"]
    # when / then: every page of Following is the rule's posts, and the API's cards are the same posts
    pages = _walk(selectors.following_feed, user=viewer)
    assert sum(pages, []) == _following_expected(viewer)
    for user in (viewer, AnonymousUser()):
        for feed in (selectors.following_feed, selectors.for_you_feed):
            if feed is selectors.following_feed and user is not viewer:
                continue
            page = feed(user=user, limit=50)
            cards_shown = selectors.post_cards(posts=page.items, user=user)
            assert [card.pk for card in cards_shown] == [row.pk for row in page.items]
    ids = sum(pages, [])
    hidden, blocked = world["posts"][7], world["posts"][16]
    assert hidden.pk not in ids and blocked.pk not in ids
    assert world["posts"][14].pk in ids  # the friend's
    for_you = sum(_walk(selectors.for_you_feed, user=viewer), [])
    assert hidden.pk not in for_you and blocked.pk not in for_you and world["posts"][17].pk not in for_you  # own
    assert len(for_you) == len(set(for_you))


def test_the_feeds_rows_carry_the_viewers_state_as_the_cards_do(world):
    viewer = world["viewer"]
    light = selectors.following_feed(user=viewer, limit=50).items
    full = selectors.post_cards(posts=light, user=viewer)
    fields = ("pk", "viewer_liked", "viewer_saved", "viewer_follows", "viewer_is_author", "like_count", "created_at")
    assert [[getattr(p, f) for f in fields] for p in light] == [[getattr(p, f) for f in fields] for p in full]
    assert sum(p.viewer_liked for p in light) == 6 and sum(p.viewer_saved for p in light) == 3
    # For you reads the state with its rows too (the stranger's post: followed by nobody)
    light = selectors.for_you_feed(user=viewer, limit=50).items
    full = selectors.post_cards(posts=light, user=viewer)
    assert [[getattr(p, f) for f in fields] for p in light] == [[getattr(p, f) for f in fields] for p in full]
    assert sum(p.viewer_follows for p in light) == len(light) - 1


def test_a_following_page_reads_its_posts_and_the_viewers_state_in_one_query(world, django_assert_num_queries):
    # given a built feed with more posts than a page
    viewer = world["viewer"]
    selectors.following_feed(user=viewer)
    # when / then: one query for the rows with their likes, saves and follows
    with django_assert_num_queries(1):
        page = selectors.following_feed(user=viewer, limit=5)
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
    # when / then: the pages are the rule's posts, and the feed is built
    assert sum(_walk(selectors.following_feed, user=viewer), []) == _following_expected(viewer)
    assert Profile.objects.get(user=viewer).feed_built_at is not None
    assert FeedEntry.objects.filter(owner=viewer).exists()


@pytest.mark.parametrize("signed_in", [True, False])
def test_cached_cards_are_the_cards_the_template_renders(world, signed_in):
    viewer = world["viewer"] if signed_in else AnonymousUser()
    full = selectors.post_cards(posts=selectors.for_you_feed(user=viewer, limit=50).items, user=viewer)
    expected = _norm(_direct(full, viewer))
    # a cold cache renders and stores the cards, a warm one puts them together from the stencils
    light = selectors.for_you_feed(user=viewer, limit=50).items
    assert _norm(_cached(light, viewer)) == expected
    light = selectors.for_you_feed(user=viewer, limit=50).items
    assert _norm(_cached(light, viewer)) == expected
    # full post cards (the hashtag, saved and profile pages) go through the same cache
    assert _norm(_cached(full, viewer)) == expected


def test_one_viewers_state_never_reaches_another_viewer_through_the_cache(world):
    # given the viewer liked, saved and follows; the stranger did none of it
    viewer, stranger = world["viewer"], world["stranger"]
    post = world["posts"][2]
    _cached(selectors.following_feed(user=viewer).items, viewer, token="viewer-token")
    # when the stranger gets the same (cached) card
    rows = [row for row in selectors.for_you_feed(user=stranger, limit=50).items if row.pk == post.pk]
    html = _cached(rows, stranger, token="stranger-token")
    # then it shows the stranger's own state, token and address
    assert 'like-button" type="submit" aria-pressed="false"' in html
    assert 'save-button" type="submit" aria-pressed="false"' in html
    assert "follow-form" in html  # the stranger does not follow the store: the button is there
    assert 'value="stranger-token"' in html and "viewer-token" not in html
    assert stencil.hole("csrf_token") not in html and stencil.hole("back_url") not in html
    assert 'value="/feed/following/?cursor=a&amp;b=&lt;c&gt;"' in html
    mine = _cached([r for r in selectors.following_feed(user=viewer).items if r.pk == post.pk], viewer)
    assert 'like-button" type="submit" aria-pressed="true"' in mine and "follow-form" not in mine


def test_a_like_a_comment_an_edit_or_a_tag_shows_at_once(world):
    viewer, stranger = world["viewer"], world["stranger"]
    post = world["posts"][9]

    def card() -> str:
        rows = [row for row in selectors.following_feed(user=viewer, limit=50).items if row.pk == post.pk]
        return str(_cached(rows, viewer))

    assert "0 likes" in card()
    services.like(user=stranger, post=Post.objects.get(pk=post.pk))
    assert "1 like<" in card()
    services.edit_caption(post=Post.objects.get(pk=post.pk), editor=post.author, caption="Fresh words")
    assert "Fresh words" in card()
    store = post.profile.store
    product = _product(store, "Newly tagged")
    tag = services.tag_product(actor=post.author, image=post.images.first(), product=product, x=0.5, y=0.5)
    assert "Newly tagged" in card()
    services.remove_tag(actor=post.author, tag=tag)
    assert "Newly tagged" not in card()


def _following_rows(viewer):
    return selectors.following_feed(user=viewer, limit=50).items


def test_a_tag_changed_by_another_process_shows_though_this_one_holds_the_card(world):
    viewer, post = world["viewer"], world["posts"][9]
    assert "Newly tagged" not in _cached(_following_rows(viewer), viewer)  # now in this process's memory
    # Another process tags a product: all this one can see is the rows (its memory is not told).
    product = _product(post.profile.store, "Newly tagged")
    services.tag_product(actor=post.author, image=post.images.first(), product=product, x=0.5, y=0.5)
    assert "Newly tagged" in _cached(_following_rows(viewer), viewer)


def test_a_page_seen_before_takes_its_cards_from_memory_without_a_cache_read(world, monkeypatch):
    viewer = world["viewer"]
    rows = _following_rows(viewer)
    first = _cached(rows, viewer)
    reads = []
    monkeypatch.setattr(cards.cache, "get_many", lambda keys: reads.append(keys) or {})
    assert _norm(_cached(_following_rows(viewer), viewer)) == _norm(first)
    assert reads == []


def test_cards_from_another_process_come_from_the_cache_and_stay_in_memory(world, monkeypatch):
    viewer = world["viewer"]
    first = _cached(_following_rows(viewer), viewer)
    cards.clear_local()  # as in a process that has not seen these cards
    stencils = []
    monkeypatch.setattr(cards, "_render", lambda *args, **kwargs: stencils.append(args))
    assert _norm(_cached(_following_rows(viewer), viewer)) == _norm(first)
    assert stencils == []  # none rendered again


def test_a_card_older_than_the_cache_time_is_rendered_again_even_from_memory(world, monkeypatch, settings):
    settings.SOCIAL_CARD_CACHE_SECONDS = 60
    viewer, post = world["viewer"], world["posts"][9]
    product = post.tags.first().product
    _cached(_following_rows(viewer), viewer)
    type(product).objects.filter(pk=product.pk).update(title="Renamed product")
    now = cards.time.time()
    monkeypatch.setattr(cards.time, "time", lambda: now + 59)
    assert "Renamed product" not in _cached(_following_rows(viewer), viewer)  # may lag a minute
    monkeypatch.setattr(cards.time, "time", lambda: now + 61)
    assert "Renamed product" in _cached(_following_rows(viewer), viewer)


def test_each_process_keeps_at_most_the_configured_number_of_cards(world, settings):
    settings.SOCIAL_CARD_LOCAL_ENTRIES = 3
    viewer = world["viewer"]
    _cached(_following_rows(viewer), viewer)
    assert len(cards._local._entries) == 3


def test_the_feed_pages_serve_cached_cards_with_the_requests_csrf_token(client, world):
    viewer = world["viewer"]
    client.force_login(viewer)
    for _ in range(2):  # cold, then warm
        response = client.get(reverse("social:following"))
        body = response.content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
        assert token not in (stencil.hole("csrf_token"), "")
        assert stencil.hole("csrf_token") not in body and stencil.hole("back_url") not in body
        assert body.count('like-button" type="submit" aria-pressed="true"') == 6


def test_a_back_address_the_urlencode_filter_wrote_is_filled_encoded():
    # given a card's HTML with the back address in a form and in a link's query string
    html = Template('<input value="{{ back }}"><a href="/login/?next={{ back|urlencode }}">').render(
        Context({"back": stencil.hole("back_url")})
    )
    # when it is cut into pieces and holes
    pieces = stencil.cut(html)
    # then each hole is filled as the full render would write it
    fills = cards.page_fills("token", BACK)
    filled = b"".join(fills[piece] if index % 2 else piece for index, piece in enumerate(pieces)).decode()
    expected = Template('<input value="{{ back }}"><a href="/login/?next={{ back|urlencode }}">').render(
        Context({"back": BACK})
    )
    assert len(pieces) == 5 and filled == expected


def test_a_visitors_cards_never_ask_for_the_csrf_token(world):
    # (asking would set a CSRF cookie on a page a visitor could otherwise share from a cache)
    class Untouchable:
        def __str__(self):
            raise AssertionError("the CSRF token was asked for")

    rows = selectors.for_you_feed(user=None).items
    for _ in range(2):  # rendered, then from the cache
        html = cards.render_cards(rows, viewer=AnonymousUser(), csrf_token=Untouchable(), back_url=BACK)
        assert html.count('class="post-card"') == len(rows) > 0 and "csrfmiddlewaretoken" not in html
