"""Stripe.js is allowed on the card payment page only: the site's Content-Security-Policy
(shop/settings.py) is widened for that one page (checkout.views.payments.allow_stripe_js)."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory, buyable_variant, place

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def test_only_the_pay_page_may_load_stripe_js(client, localstripe, settings):
    # given a buyer with a card checkout, and Stripe.js served by localstripe
    settings.STRIPE_JS_URL = f"{localstripe.url}/js.stripe.com/v3/"
    buyer = UserFactory()
    placed = place(buyer, (buyable_variant(price=15_000_000), 1), method="card")
    client.force_login(buyer)
    # when
    pay_page = client.get(reverse("checkout:pay_card", args=[placed.payment.pk]))
    other_pages = [client.get(url) for url in ("/", reverse("checkout:checkout"), reverse("checkout:order_list"))]
    # then the pay page may run Stripe.js, frame Stripe's fields and call Stripe's API
    assert pay_page.status_code == 200
    policy = _policy(pay_page)
    assert localstripe.url in policy["script-src"] and "'self'" in policy["script-src"]
    assert "https://js.stripe.com" in policy["frame-src"] and "https://api.stripe.com" in policy["connect-src"]
    # and no other page may
    for response in other_pages:
        header = response["Content-Security-Policy"]
        assert "stripe" not in header and localstripe.url not in header
        assert _policy(response)["script-src"] == ["'self'"]
