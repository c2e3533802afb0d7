"""The seller's insights pages and CSV files: their own store's figures only, staff everyone's,
a period against the one before, bad periods refused, CSV cells never read as formulas, and
a number of queries that does not grow with the data."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from insights.rollups import today
from social.services.profiles import profile_for_store
from tests.factories import SellerFactory, StoreFactory, UserFactory, buyable_variant, make_post
from tests.insights.figures import figures_of

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


def _figures(store, *, days: int, posts: int = 3, products: int = 3) -> dict:
    """``days`` days of daily figures for new posts and products of ``store``."""
    made_posts = [
        make_post(store.owner, profile=profile_for_store(store=store), caption=f"Batik no. {n}") for n in range(posts)
    ]
    made_products = [buyable_variant(store=store).product for _ in range(products)]
    figures_of(store, days=days, posts=made_posts, products=made_products)
    return {"posts": made_posts, "products": made_products}


@pytest.fixture
def seller_store():
    return StoreFactory(owner=SellerFactory())


def _get(client, name, *args, **params):
    return client.get(reverse(name, args=args), params, headers={"User-Agent": BROWSER})


def test_the_seller_sees_their_stores_figures_against_the_period_before(client, seller_store):
    # given a week of figures (two orders of Rp150.000 a day)
    made = _figures(seller_store, days=14)
    client.force_login(seller_store.owner)
    # when the seller opens insights for 7 days
    response = _get(client, "insights:dashboard", range="7d")
    # then the sales (7 × Rp300.000) and the post with its orders show, against the week before
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rp2,100,000" in page or "IDR2,100,000" in page
    assert "Batik no. 0" in page
    assert made["products"][0].title in page
    assert "+0%" not in page  # the same each day: no change shown as a rise
    data = response.context["data"]
    assert (data.figures["revenue"].now, data.figures["revenue"].before) == (7 * 30_000_000, 7 * 30_000_000)
    assert [funnel.post_id for funnel in data.posts][0] == made["posts"][0].pk
    assert data.posts[0].orders_paid == 7


@pytest.mark.parametrize("days", [3, 40])
def test_the_page_costs_the_same_queries_whatever_the_data(client, seller_store, django_assert_max_num_queries, days):
    # given a few days or many of figures
    _figures(seller_store, days=days, posts=2 if days == 3 else 8, products=2 if days == 3 else 8)
    client.force_login(seller_store.owner)
    _get(client, "insights:dashboard", range="90d")  # caches warm (the header, the session)
    # when the page is opened over 90 days, then it stays within its budget: the session's
    # user, their store, the days, the posts (and their posts), the shoppers' posts (and
    # theirs), the products (and their titles), the channels, the sources, the emails (named in the same query),
    # the chats' orders and the chats' answers
    # (and, without Redis, the session's row: 14)
    with django_assert_max_num_queries(14):
        assert _get(client, "insights:dashboard", range="90d").status_code == 200


def test_a_seller_never_sees_another_stores_figures(client, seller_store):
    # given another store with figures
    other = StoreFactory(owner=SellerFactory())
    _figures(other, days=2, posts=1, products=1)
    client.force_login(seller_store.owner)
    # when the seller asks for the other store's page or CSV
    page = _get(client, "insights:dashboard", store=other.pk)
    export = _get(client, "insights:export", "days", store=other.pk)
    staff_page = _get(client, "insights:staff")
    # then nothing is shown, and their own page has none of the other's figures
    assert (page.status_code, export.status_code, staff_page.status_code) == (404, 404, 403)
    own = _get(client, "insights:dashboard")
    assert own.status_code == 200
    assert own.context["data"].figures["revenue"].now == 0


def test_a_shopper_and_a_visitor_are_refused(client):
    # given a shopper without a store
    shopper = UserFactory()
    # when a visitor, then the shopper, open insights
    anonymous = _get(client, "insights:dashboard")
    client.force_login(shopper)
    signed_in = _get(client, "insights:dashboard")
    # then the visitor is sent to log in and the shopper refused
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert signed_in.status_code == 403


def test_staff_see_every_store_and_pick_one(client, seller_store):
    # given two stores with figures and a superuser
    _figures(seller_store, days=3, posts=1, products=1)
    other = StoreFactory(owner=SellerFactory(), name="Kopi Kita")
    _figures(other, days=3, posts=1, products=1)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    # when they open insights, the overview, and one store's page
    landing = _get(client, "insights:dashboard")
    overview = _get(client, "insights:staff", range="7d")
    one = _get(client, "insights:dashboard", store=other.pk)
    # then they land on the overview with both stores, and the store's own figures
    assert landing.status_code == 302 and landing["Location"] == reverse("insights:staff")
    assert overview.status_code == 200
    assert {row.store_id for row in overview.context["stores"]} == {seller_store.pk, other.pk}
    assert "Kopi Kita" in overview.content.decode()
    assert one.status_code == 200 and one.context["store"] == other
    assert _get(client, "insights:staff_export", range="7d").status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"range": "365d"},
        {"range": "custom", "start": "2026-13-01", "end": "2026-12-01"},
        {"range": "custom", "start": "2026-02-01", "end": "2026-01-01"},
        {"range": "custom", "start": "2020-01-01", "end": "2022-01-01"},
        {"range": "custom", "start": (today() + timedelta(days=1)).isoformat(), "end": "2099-01-01"},
    ],
)
def test_a_bad_period_is_refused_with_a_reason(client, seller_store, params):
    client.force_login(seller_store.owner)
    response = _get(client, "insights:dashboard", **params)
    assert response.status_code == 400
    assert response.context["error"]
    assert _get(client, "insights:export", "days", **params).status_code == 400


def test_a_custom_period_and_its_csv(client, seller_store):
    # given figures on the last ten days
    _figures(seller_store, days=10, posts=1, products=1)
    client.force_login(seller_store.owner)
    start, end = today() - timedelta(days=4), today() - timedelta(days=2)
    # when the seller downloads the days of a custom period
    response = _get(client, "insights:export", "days", range="custom", start=start.isoformat(), end=end.isoformat())
    # then the file has those three days, amounts in rupiah
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Day", "Revenue", "Refunds"]
    assert [row[0] for row in rows[1:]] == [(start + timedelta(days=n)).isoformat() for n in range(3)]
    assert rows[1][1] == "300000"


def test_csv_cells_are_never_formulas(client, seller_store):
    # given a post whose caption and a product whose title start like formulas
    made = _figures(seller_store, days=1, posts=1, products=1)
    post = made["posts"][0]
    type(post).objects.filter(pk=post.pk).update(caption='=HYPERLINK("http://evil")')
    product = made["products"][0]
    type(product).objects.filter(pk=product.pk).update(title="@SUM(A1)")
    client.force_login(seller_store.owner)
    # when the posts and products are downloaded
    posts = _get(client, "insights:export", "posts").content.decode()
    products = _get(client, "insights:export", "products").content.decode()
    # then those cells start with a quote
    assert list(csv.reader(io.StringIO(posts)))[1][0].startswith("'")
    assert "=HYPERLINK" in posts and ",=HYPERLINK" not in posts
    assert list(csv.reader(io.StringIO(products)))[1][0] == "'@SUM(A1)"
    assert _get(client, "insights:export", "nonsense").status_code == 404


def test_the_page_reads_in_indonesian(client, seller_store):
    _figures(seller_store, days=2, posts=1, products=1)
    client.force_login(seller_store.owner)
    response = client.get(reverse("insights:dashboard"), headers={"User-Agent": BROWSER, "Accept-Language": "id"})
    page = response.content.decode()
    assert "Rp300.000" in page or "Rp600.000" in page
    assert "Postingan teratas" in page
    # and the charts' numbers stay numbers SVG reads ("100.0", never the Indonesian "100,0")
    svg_numbers = re.findall(r'<(?:rect|svg|line)[^>]*?(?:width|viewBox|x2|y1|y2)="([^"]*)"', page)
    assert svg_numbers and not [number for number in svg_numbers if "," in number]


def test_the_api_gives_the_pages_figures_to_their_seller_only(client, seller_store):
    # given a week of figures and another store
    made = _figures(seller_store, days=7, posts=1, products=1)
    other = StoreFactory(owner=SellerFactory())
    client.force_login(seller_store.owner)
    url = reverse("api:insights")
    # when the seller reads their insights, another store's, and a bad period
    own = client.get(url, {"range": "7d"})
    theirs = client.get(url, {"store": other.pk})
    bad = client.get(url, {"range": "custom", "start": "2026-02-01"})
    stores = client.get(reverse("api:insights-stores"))
    # then their own figures, and nothing of the other's
    assert own.status_code == 200
    body = own.json()
    assert body["store"] == {"id": seller_store.pk, "name": seller_store.name}
    assert body["figures"]["revenue"] == {"now": 7 * 30_000_000, "before": 0}
    assert [post["post"] for post in body["posts"]] == [made["posts"][0].pk]
    assert body["posts"][0]["orders_paid"] == 7
    assert {channel["kind"] for channel in body["channels"]} >= {"direct", "post", "campaign"}
    assert (theirs.status_code, bad.status_code, stores.status_code) == (404, 400, 403)
    client.logout()
    assert client.get(url).status_code in (401, 403)


def test_staff_read_any_store_and_every_store_in_the_api(client, seller_store):
    _figures(seller_store, days=2, posts=1, products=1)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("api:insights")).status_code == 400
    one = client.get(reverse("api:insights"), {"store": seller_store.pk})
    every = client.get(reverse("api:insights-stores"), {"range": "30d"})
    assert one.status_code == 200 and one.json()["store"]["id"] == seller_store.pk
    assert every.status_code == 200
    assert every.json()["stores"][0]["store"] == seller_store.pk
    assert every.json()["figures"]["orders_paid"]["now"] == 4


def test_the_back_offices_front_page_links_to_insights(client, seller_store):
    # given a seller
    client.force_login(seller_store.owner)
    # when the seller opens the back office, then its front page links to their insights
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("insights:dashboard") in page


def test_rates_read_with_at_most_one_decimal_in_both_languages():
    from django.utils import translation

    from insights.pages import percent

    with translation.override("id"):
        assert (percent(0.208333), percent(None)) == ("20,8%", "–")
    with translation.override("en"):
        assert (percent(0.208333), percent(1.5)) == ("20.8%", "150%")


@pytest.mark.parametrize("stores", [1, 6])
def test_the_staff_overview_costs_the_same_queries_whatever_the_stores(client, django_assert_max_num_queries, stores):
    # given one store or several with figures
    for _ in range(stores):
        _figures(StoreFactory(owner=SellerFactory()), days=5, posts=1, products=1)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    _get(client, "insights:staff", range="30d")
    # when the overview is opened, then: the user, the days, the top stores and their names,
    # and the store picker (and, without Redis, the session's row: 6)
    with django_assert_max_num_queries(6):
        assert _get(client, "insights:staff", range="30d").status_code == 200
