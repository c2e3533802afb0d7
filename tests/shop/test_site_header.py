"""The site header (shop.templatetags.site_header): rendered once per language, person and
section, then reused; what changes with every request is filled in each time."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from catalog import services as catalog_services
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def _header(response) -> str:
    html = response.content.decode()
    return html[html.index('<header class="site-header') : html.index("</header>")]


def _menu_user(response) -> str:
    return re.search(r'<span class="menu__user">([^<]*)</span>', _header(response)).group(1)


def _token(html: str, action: str) -> str:
    form = html[html.index(f'action="{action}"') :]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)


def test_each_person_sees_their_own_name_and_links():
    # given a shopper and a seller, each in their own browser
    shopper, seller = UserFactory(), StoreFactory().owner
    shopper_browser, seller_browser = Client(), Client()
    shopper_browser.force_login(shopper)
    seller_browser.force_login(seller)
    for _ in range(2):  # the second round is served from the cached header
        # when
        mine = shopper_browser.get(reverse("catalog:product_list"))
        theirs = seller_browser.get(reverse("catalog:product_list"))
        # then
        assert _menu_user(mine) == shopper.username and _menu_user(theirs) == seller.username
        assert reverse("catalog:open_store") in _header(mine) and reverse("admin:index") not in _header(mine)
        assert reverse("admin:index") in _header(theirs) and seller.store.get_absolute_url() in _header(theirs)
        assert reverse("social:user_profile", kwargs={"username": shopper.username}) in _header(mine)
        assert shopper.username not in _header(theirs)
    visitor = Client().get(reverse("catalog:product_list"))
    assert reverse("account_login") in _header(visitor) and "menu__user" not in _header(visitor)


def test_the_forms_in_the_header_carry_a_token_that_works():
    # given a signed-in shopper whose browser checks CSRF like a real one
    user = UserFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.get(reverse("catalog:product_list"))  # sets the CSRF cookie
    html = browser.get(reverse("catalog:product_list")).content.decode()
    # when the language form and then the logout form are sent with the tokens they carry
    switched = browser.post(
        reverse("set_language"), {"language": "id", "next": "/", "csrfmiddlewaretoken": _token(html, "/i18n/setlang/")}
    )
    logout = browser.post(reverse("account_logout"), {"csrfmiddlewaretoken": _token(html, reverse("account_logout"))})
    # then both are accepted, and the shopper is logged out
    assert switched.status_code == 302 and logout.status_code == 302
    assert "_auth_user_id" not in browser.session
    # and a forged token is refused
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(user)
    forged.get(reverse("catalog:product_list"))
    assert forged.post(reverse("account_logout"), {"csrfmiddlewaretoken": "x" * 64}).status_code == 403


def test_what_the_request_carries_is_escaped_in_the_header():
    # when a visitor searches for markup, on a path with a quote in its query string
    response = Client().get(reverse("catalog:product_list"), {"q": '"><script>alert(1)</script>'})
    header = _header(response)
    # then the search box and the language form's "next" carry it escaped, never as markup
    assert "<script>alert(1)" not in header
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in header
    assert re.search(r'name="next" value="/products/\?q=[^"<>]+"', header)


@pytest.mark.parametrize(
    "page, current",
    [
        (lambda user: reverse("social:saved"), "Saved"),
        (lambda user: reverse("social:following"), "Feed"),
        (lambda user: reverse("social:user_profile", kwargs={"username": user.username}), "Profile"),
        (lambda user: reverse("social:user_profile", kwargs={"username": "someone-else"}), None),
        (lambda user: reverse("catalog:product_list"), "Shop"),
        (lambda user: reverse("catalog:search") + "?q=batik", "Shop"),
        (lambda user: reverse("checkout:cart"), None),
    ],
)
def test_the_header_marks_the_section_of_the_page(page, current):
    # given
    user = UserFactory()
    UserFactory(username="someone-else")
    browser = Client()
    browser.force_login(user)
    # when
    header = _header(browser.get(page(user)))
    # then
    marked = re.findall(r'aria-current="page">\s*<svg[^>]*>.*?</svg>\s*<span>([^<]+)</span>', header, re.S)
    assert marked == ([current] if current else [])


def test_a_signed_in_shopper_can_reach_the_shop_from_the_navigation():
    # given a signed-in shopper on their feed
    browser = Client()
    browser.force_login(UserFactory())
    # when
    header = _header(browser.get(reverse("home")))
    # then the navigation (the bottom tab bar on a phone, header links on a wide screen) leads to the shop
    nav = header[header.index('<nav class="app-nav"') : header.index("</nav>")]
    assert f'href="{reverse("catalog:product_list")}"' in nav


def test_a_new_name_or_a_new_store_shows_at_once():
    # given a shopper whose header has been rendered (and cached)
    user = UserFactory(username="ani")
    browser = Client()
    browser.force_login(user)
    assert _menu_user(browser.get(reverse("catalog:product_list"))) == "ani"
    # when they change their name and open a store
    user.username = "ani-batik"
    user.save(update_fields=["username"])
    store = catalog_services.open_store(owner=user, name="Batik Ani")
    # then the next page shows both
    header = _header(browser.get(reverse("catalog:product_list")))
    assert '<span class="menu__user">ani-batik</span>' in header
    assert store.get_absolute_url() in header and reverse("catalog:open_store") not in header


def test_the_header_speaks_the_chosen_language():
    browser = Client()
    browser.force_login(UserFactory())
    english = _header(browser.get(reverse("catalog:product_list")))
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    indonesian = _header(browser.get(reverse("catalog:product_list")))
    assert "Log out" in english and "Log out" not in indonesian
    assert 'lang="id" selected' in indonesian and 'lang="en" selected' in english


def test_the_sellers_store_comes_with_the_user_at_no_extra_query(django_assert_max_num_queries):
    # given a seller and a shopper, signed in
    seller, shopper = StoreFactory().owner, UserFactory()
    for user in (seller, shopper):
        browser = Client()
        browser.force_login(user)
        browser.get("/no-such-page/")
        # when a page that reads nothing but the session and the user is shown
        with django_assert_max_num_queries(10) as captured:
            response = browser.get("/no-such-page/")
        # then the store (or its absence) came with the user: no query of its own
        assert response.status_code == 404
        assert not [query for query in captured if re.search(r'\bFROM "catalog_store"', query["sql"])]
        assert (seller.store.get_absolute_url() in _header(response)) == (user == seller)


def test_a_page_rendered_without_a_request_still_has_its_header():
    from django.template.loader import render_to_string

    html = render_to_string("404.html", {})
    assert '<header class="site-header">' in html and reverse("account_login") in html
