"""A Content-Security-Policy on every page (django-csp, shop/settings.py): scripts, styles and
the rest from this site only, nothing inline. The browser tests (tests/e2e) run with it and
fail on any violation; these check the header itself."""

import base64
import hashlib
import re

import pytest
from django.test import Client, override_settings
from django.urls import path, reverse

from tests.factories import UserFactory, buyable_variant

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def test_every_html_response_carries_the_policy(admin_user):
    # given a visitor, a shopper and staff, on pages of every kind (feed, catalog, account,
    # checkout, a 404, the admin, the API docs)
    product = buyable_variant().product
    shopper, staff = Client(), Client()
    shopper.force_login(UserFactory())
    staff.force_login(admin_user)
    pages = [
        (Client(), "/"),
        (Client(), reverse("catalog:product_list")),
        (Client(), product.get_absolute_url()),
        (Client(), reverse("account_login")),
        (Client(), "/no-such-page/"),
        (Client(), reverse("api-docs")),
        (shopper, reverse("social:following")),
        (shopper, reverse("checkout:cart")),
        (shopper, reverse("checkout:checkout")),
        (staff, reverse("admin:index")),
        (staff, reverse("admin:catalog_product_changelist")),
    ]
    for browser, url in pages:
        # when
        response = browser.get(url)
        # then
        assert response["Content-Type"].startswith("text/html"), url
        policy = _policy(response)
        assert policy["default-src"] == ["'self'"], url
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], url
        # and nothing in the page needs more: no inline script, <style> or style="" attribute
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html), url
        assert "<style" not in html and " style=" not in html and " onclick=" not in html, url


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom)]
handler500 = "shop.views.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_the_error_page_allows_only_its_own_style_by_hash():
    # when a page fails
    response = Client(raise_request_exception=False).get("/boom/")
    # then the 500 page's one inline <style> is allowed by its hash, and nothing else inline
    assert response.status_code == 500
    style = re.search(rb"<style>(.*?)</style>", response.content, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style).digest()).decode()
    assert _policy(response)["style-src"] == ["'self'", f"'sha256-{digest}'"]
    assert _policy(response)["script-src"] == ["'self'"]
