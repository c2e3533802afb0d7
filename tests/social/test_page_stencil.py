"""Feed pages from their stencils (``shop.stencil.render_page``): what a viewer gets from the stencil is the
page the templates render in full for them, whoever saw the same shape before.

Each check fetches a page twice: once as every request does (the stencil, filled for this
request), and once with the stencil bypassed (the view then renders every template for the
request). The two must be the same bytes but for the CSRF token, which is masked differently
every time it is asked for."""

import re
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from social import services
from social.models import Post
from social.selectors import PAGE_SIZE
from social.views import feeds
from tests.factories import ProductFactory, StoreFactory, UserFactory, VariantFactory, make_post

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")


def _product(store):
    product = ProductFactory(title="Kopi Gayo", store=store)
    VariantFactory(product=product, price=15_000_000, stock=5)
    return product


def _full(client, monkeypatch, url: str, **headers):
    """The page with every template rendered for this request (no stencil)."""
    with monkeypatch.context() as patch:
        patch.setattr(feeds, "_stencil_serves", lambda request, partial: False)
        return client.get(url, **headers)


def _same_page(client, monkeypatch, url: str, **headers) -> str:
    stenciled = client.get(url, **headers)
    full = _full(client, monkeypatch, url, **headers)
    assert stenciled.status_code == full.status_code == 200
    body = stenciled.content.decode()
    assert TOKEN.sub("TOKEN", body) == TOKEN.sub("TOKEN", full.content.decode())
    assert "\x00" not in body  # no marker left unfilled
    return body


@pytest.fixture
def graph():
    """A store with a post that tags its product, a shopper's post, and two viewers: a seller
    who follows the store, and a shopper without a store who follows nobody."""
    store = StoreFactory(name="Kopi Kita")
    product = _product(store)
    for index in range(PAGE_SIZE + 2):  # a second page
        make_post(
            store.owner,
            profile=services.profile_for_store(store=store),
            # Text beyond Latin-1 (an emoji, a curly quote) in some cards: the page is put together as UTF-8.
            caption=f"Panen #{index} #kopi" + (" \u2615 \u201cenak\u201d" if index % 3 == 0 else ""),
            products=[product],
            at=timezone.now() - timedelta(minutes=index),
        )
    make_post(UserFactory(username="rina"), caption="Beli kopi #kopi", products=[product])
    seller = UserFactory(username="sellerbudi")
    StoreFactory(owner=seller, name="Batik Budi")
    services.follow(follower=seller, profile=services.profile_for_store(store=store))
    shopper = UserFactory(username="shopperani")
    return {"seller": seller, "shopper": shopper}


def test_following_pages_from_the_stencil_are_the_full_pages(client, monkeypatch, graph):
    client.force_login(graph["seller"])
    first = _same_page(client, monkeypatch, reverse("social:following") + "?q=%3Cb%3Ekopi")
    assert "sellerbudi" in first and graph["seller"].store.get_absolute_url() in first  # the header is theirs
    assert 'value="&lt;b&gt;kopi"' in first  # the search box's text, escaped
    cursor = re.search(r'hx-get="[^"]*\?cursor=([^"&]+)"', first).group(1)
    later = _same_page(client, monkeypatch, reverse("social:following") + f"?cursor={cursor}")
    assert "You are all caught up." in later


def test_infinite_scroll_answers_from_the_stencil_of_the_cards_and_sentinel(client, monkeypatch, graph):
    client.force_login(graph["seller"])
    first = _same_page(client, monkeypatch, reverse("social:following"), HTTP_HX_REQUEST="true")
    assert "<html" not in first and first.count('class="post-card"') == 20
    assert 'hx-trigger="revealed, click"' in first
    cursor = re.search(r'hx-get="[^"]*\?cursor=([^"&]+)"', first).group(1)
    last = _same_page(client, monkeypatch, reverse("social:following") + f"?cursor={cursor}", HTTP_HX_REQUEST="true")
    assert "You are all caught up." in last and 'hx-trigger="revealed, click"' not in last


def test_another_viewer_of_the_same_shape_sees_their_own_header(client, monkeypatch, graph):
    # The seller's visit fills the stencil of a signed-in For you page...
    client.force_login(graph["seller"])
    _same_page(client, monkeypatch, reverse("social:for_you"))
    # ...which the shopper's page then reuses.
    client.force_login(graph["shopper"])
    page = _same_page(client, monkeypatch, reverse("social:for_you"))
    assert "shopperani" in page
    assert "sellerbudi" not in page and "Batik Budi" not in page


def test_each_language_has_its_own_stencil(client, monkeypatch, graph):
    client.force_login(graph["shopper"])
    english = _same_page(client, monkeypatch, reverse("home"))
    indonesian = _same_page(client, monkeypatch, reverse("home"), HTTP_ACCEPT_LANGUAGE="id")
    assert '<html lang="en">' in english and '<html lang="id">' in indonesian
    assert "Follow stores to fill your Following feed." in english  # the nudge: follows nobody
    assert "Ikuti toko" in indonesian


def test_visitors_hashtags_and_the_saved_list_come_from_stencils_too(client, monkeypatch, graph):
    home = _same_page(client, monkeypatch, reverse("home"))
    assert "Small Indonesian brands, in one shop window." in home
    assert "csrftoken" in client.cookies  # the token in the page is backed by its cookie
    assert "#kopi" in _same_page(client, monkeypatch, reverse("social:hashtag", args=["kopi"]))
    client.force_login(graph["shopper"])
    services.save_post(user=graph["shopper"], post=Post.objects.first())
    assert "Only you can see what you saved." in _same_page(client, monkeypatch, reverse("social:saved"))


def test_one_stencil_serves_every_viewer_of_a_shape(client, graph):
    fragments = caches["fragments"]
    fragments.clear()
    # Both follow someone (no nudge to follow stores): the same shape of For you page.
    services.follow(follower=graph["shopper"], profile=services.profile_for_user(user=graph["seller"]))
    for user in (graph["seller"], graph["shopper"]):
        client.force_login(user)
        client.get(reverse("social:for_you"))
    stencils = [key for key in fragments._cache if "stencil:page:" in key]
    assert len(stencils) == 1


def test_a_page_with_messages_waiting_is_rendered_in_full_and_shows_them_once(client, graph):
    client.force_login(graph["shopper"])
    own = make_post(graph["shopper"], caption="Salah unggah")
    client.post(reverse("social:post_delete", args=[own.pk]))  # "The post is deleted." waits
    page = client.get(reverse("social:for_you")).content.decode()
    assert "The post is deleted." in page and "Panen" in page
    assert "The post is deleted." not in client.get(reverse("social:for_you")).content.decode()
