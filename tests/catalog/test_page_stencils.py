"""The catalog's pages from their stencils (``shop.stencil.render_page``): the product page,
the product list, search and a category.

What a shopper gets from a stencil must be the page the templates render in full for them
(checked byte for byte but for the CSRF token, which is masked differently each time), a
warm page must cost (almost) no query, and every change the page shows (stock sold, a
review written, a post hidden, a product retitled or unpublished) must show on the next
request: the stencils' keys carry the catalog's version (``shop.stencil.version``)."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import services as catalog_services
from catalog.models import Product
from shop import stencil
from social import services as social_services
from social.services.recommendations import compute_product_affinities
from tests.factories import (
    CategoryFactory,
    ProductImageFactory,
    UserFactory,
    VariantFactory,
    buyable_variant,
    make_post,
    place,
)

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")


def _full(client, monkeypatch, url: str):
    """The page with every template rendered for this request (a page with messages waiting
    is never served from a stencil)."""
    with monkeypatch.context() as patch:
        patch.setattr(stencil, "has_messages", lambda request: True)
        return client.get(url)


def _same_page(client, monkeypatch, url: str) -> str:
    first = client.get(url)  # renders the stencil
    stenciled = client.get(url)  # from the stencil
    full = _full(client, monkeypatch, url)
    assert first.status_code == stenciled.status_code == full.status_code == 200
    body = stenciled.content.decode()
    assert TOKEN.sub("TOKEN", body) == TOKEN.sub("TOKEN", full.content.decode())
    assert TOKEN.sub("TOKEN", first.content.decode()) == TOKEN.sub("TOKEN", body)
    assert "\x00" not in body and "%00hole" not in body  # no hole left unfilled
    return body


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def shop():
    """A product on sale in a store with WhatsApp, two variants, a picture and a category; a
    post that tags it, a review with the seller's reply, and a product "you may also like"."""
    category = CategoryFactory(name="Kopi", slug="kopi")
    variant = buyable_variant(price=15_000_000, stock=1, options={"Size": "250 g"})
    product = variant.product
    product.title, product.category = "Kopi Gayo <Wine>", category
    product.save()
    store = product.store
    store.whatsapp = "+6281234567890"
    store.save()
    VariantFactory(product=product, options={"Size": "1 kg"}, price=50_000_000, stock=3, position=1)
    ProductImageFactory(product=product, alt_text="A bag of beans")
    other = buyable_variant(store=store, price=20_000_000).product
    other.title, other.category = "Kopi Toraja", category
    other.save()
    post = make_post(store.owner, caption="Panen baru \u2615", products=[product])
    reviewer = UserFactory(username="rina", first_name="Rina")
    review, _created = social_services.write_review(author=reviewer, product=product, rating=5, title="Mantap sekali")
    social_services.reply_to_review(review=review, actor=store.owner, body="Terima kasih!")
    compute_product_affinities()
    return {"product": product, "variant": variant, "other": other, "post": post, "category": category}


def test_a_visitor_gets_the_full_product_page_from_its_stencil_without_a_query(client, monkeypatch, shop):
    url = shop["product"].get_absolute_url() + f"?post={shop['post'].pk}&src=feed&utm=%3Cx%22"
    body = _same_page(client, monkeypatch, url)
    # The social content is in the visitor's stencil: posts, reviews, the reply, also like.
    for text in ("Seen in posts", "Mantap sekali", "Terima kasih!", "Kopi Toraja", "Kopi Gayo &lt;Wine&gt;"):
        assert text in body
    # The request's own address, where the page shows it: escaped, and as a link's query.
    path = f"{shop['product'].get_absolute_url()}?post={shop['post'].pk}&amp;src=feed&amp;utm=%3Cx%22"
    assert f'name="next" value="{path}"' in body
    # The WhatsApp text carries the page's address, encoded into the link's query.
    assert "%3A%20http%3A//testserver/p/" in body and "utm%3D%253Cx%2522" in body
    assert _queries(client, url) == 0


def test_a_signed_in_shopper_gets_the_full_product_page_with_their_own_social_content(client, monkeypatch, shop):
    client.force_login(UserFactory(username="budi"))
    body = _same_page(client, monkeypatch, shop["product"].get_absolute_url())
    assert "budi" in body  # the header is theirs
    assert "Chat with the seller" in body and "Write a review" in body and "Helpful" in body
    # Their social content is theirs: it runs its queries on every request, the rest of the page none.
    cold = _queries(client, shop["other"].get_absolute_url())
    warm = _queries(client, shop["other"].get_absolute_url())
    assert warm <= cold


def _helpful_pressed(body: str, review) -> str | None:
    """The "Helpful" button's aria-pressed of ``review`` on the page, or None without one."""
    item = body.split(f'id="review-{review.pk}"', 1)[1].split('class="review"', 1)[0]
    found = re.search(r'review__helpful-button" type="submit" aria-pressed="(\w+)"', item)
    return found.group(1) if found else None


def test_each_signed_in_viewer_gets_their_own_reviews_friends_and_posts_from_one_stencil(client, monkeypatch, shop):
    """One stencil serves every signed-in shopper; what shows of the viewer comes from the
    receivers' fills (``stencil.fill_later``): their own review, "Helpful" pressed or not,
    "Report" or "You reported", what their friends did, posts they may see, a moderator's
    "Hide". Each page equals the full render for that viewer."""
    product, url = shop["product"], shop["product"].get_absolute_url()
    rina_review = product.reviews.get()
    budi, ani, sari = (UserFactory(username=name, first_name=name.title()) for name in ("budi", "ani", "sari"))
    sari_review, _ = social_services.write_review(author=sari, product=product, rating=2, title="Kurang")
    budi_review, _ = social_services.write_review(author=budi, product=product, rating=4, title="Enak")
    social_services.vote_helpful(user=budi, review=rina_review)
    social_services.report_review(user=budi, review=sari_review, reason="spam")
    # ani is budi's friend and liked the post that tags the product.
    for a, b in ((budi, ani), (ani, budi)):
        social_services.follow(follower=a, profile=social_services.profile_for_user(user=b))
    social_services.like(user=ani, post=shop["post"])

    client.force_login(budi)
    body = _same_page(client, monkeypatch, url)
    assert "Edit your review" in body and "Write a review" not in body
    assert _helpful_pressed(body, rina_review) == "true" and _helpful_pressed(body, sari_review) == "false"
    assert _helpful_pressed(body, budi_review) is None  # not on one's own review
    assert body.count("You reported this review.") == 1
    assert "Ani liked this" in body and "Seen in posts" in body
    assert "Hide this review?" not in body
    warm = _queries(client, url)
    assert warm == 3  # the person, their friends' proof, their marks on the reviews

    client.force_login(ani)  # from the same stencil: nothing of budi's
    body = _same_page(client, monkeypatch, url)
    assert "Write a review" in body and "Edit your review" not in body
    assert {_helpful_pressed(body, review) for review in (rina_review, sari_review, budi_review)} == {"false"}
    assert "You reported this review." not in body and "liked this" not in body
    client.force_login(UserFactory(username="tono"))  # (a new person is a change: a new stencil)
    client.get(url)
    assert _queries(client, url) == 2  # following nobody, tono has no friends to ask about

    social_services.hide_review(review=budi_review, actor=product.store.owner)
    client.force_login(budi)
    body = _same_page(client, monkeypatch, url)
    assert "Your review is hidden" in body and "Edit your review" in body and "Enak" not in body

    # Blocked by the store's owner: the post that tags the product is not theirs to see.
    social_services.block(blocker=product.store.owner, blocked=sari)
    client.force_login(sari)
    body = _same_page(client, monkeypatch, url)
    assert "Seen in posts" not in body

    # A moderator hides any review: their section is rendered for them.
    client.force_login(UserFactory(username="staff", is_staff=True, is_superuser=True))
    body = _same_page(client, monkeypatch, url)
    assert body.count("Hide this review?") == 2  # rina's and sari's (budi's is hidden)


def test_the_sellers_own_product_page_is_rendered_in_full_for_them(client, shop):
    client.force_login(shop["product"].store.owner)
    body = client.get(shop["product"].get_absolute_url()).content.decode()
    assert "Chat with the seller" not in body  # the stencil's buy box would have it


def test_what_changes_shows_on_the_next_request(client, shop):
    url = shop["product"].get_absolute_url()
    buyer, reviewer = UserFactory(), UserFactory()  # (a new person is a change too: names show)
    assert "In stock: 1" in client.get(url).content.decode()
    # Sold through checkout (a conditional UPDATE, no model signal).
    place(buyer, (shop["variant"], 1))
    assert "In stock: 1" not in client.get(url).content.decode()
    # A review written.
    social_services.write_review(author=reviewer, product=shop["product"], rating=4, title="Harum")
    assert "Harum" in client.get(url).content.decode()
    # The post that tags it hidden by staff.
    assert "Seen in posts" in client.get(url).content.decode()
    social_services.hide_post(post=shop["post"])
    assert "Seen in posts" not in client.get(url).content.decode()
    # Retitled, then unpublished in bulk.
    product = Product.objects.get(pk=shop["product"].pk)
    product.title = "Kopi Gayo Wine"
    product.save()
    assert "Kopi Gayo Wine" in client.get(url).content.decode()
    assert "Kopi Gayo Wine" in client.get(reverse("catalog:product_list")).content.decode()
    catalog_services.set_products_status(ids=[product.pk], status=Product.Status.DRAFT)
    assert client.get(url).status_code == 404
    assert "Kopi Gayo Wine" not in client.get(reverse("catalog:product_list")).content.decode()


@pytest.mark.parametrize("signed_in", [False, True])
def test_lists_search_and_categories_from_their_stencils(client, monkeypatch, shop, signed_in):
    if signed_in:
        client.force_login(UserFactory(username="budi"))
    urls = [
        reverse("catalog:product_list"),
        reverse("catalog:product_list") + "?sort=price_asc&in_stock=on",
        reverse("catalog:product_list") + "?page=abc",
        reverse("catalog:search") + "?q=toraja%22%3E%3C%2F",
        reverse("catalog:category", kwargs={"slug": "kopi"}),
    ]
    for url in urls:
        body = _same_page(client, monkeypatch, url)
        assert "Kopi Toraja" in body
        assert _queries(client, url) == (1 if signed_in else 0)  # the signed-in person only
    assert 'value="toraja&quot;&gt;&lt;/"' in client.get(urls[3]).content.decode()
    assert "There is no page abc" in client.get(urls[2]).content.decode()


def test_an_unknown_category_is_a_404_every_time(client, shop):
    url = reverse("catalog:category", kwargs={"slug": "nope"})
    assert client.get(url).status_code == 404
    assert client.get(url).status_code == 404


def test_a_stencil_renders_no_csrf_token_it_was_not_given(rf):
    stand_in = stencil.StandIn(rf.get("/p/x/"), signed_in=False)
    template = engines["django"].from_string("{% csrf_token %}")
    with pytest.raises(ImproperlyConfigured):
        template.render({}, request=stand_in)
    given = template.render({"csrf_token": stencil.csrf_token(stand_in)}, request=stand_in)
    assert stencil.cut(given)[1::2] == [stencil.CSRF_HOLE]
