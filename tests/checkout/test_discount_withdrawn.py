"""A discount code deleted or changed by its seller while a shopper is placing an order with
it: the order is refused as any other change of price is (409, the new total shown), on the
site and in the API alike, never a 500.

The race is made real on PostgreSQL: the seller's connection holds the code's row lock, the
shopper's checkout reads the code for its quote and then waits for that lock, and the seller
deletes the code and commits while it waits."""

import threading
import time
import uuid

import pytest
from django.db import connection, connections, transaction
from rest_framework.test import APIClient

from checkout.models import DiscountCode, DiscountRedemption, Order, Payment
from tests.factories import AddressFactory, DiscountCodeFactory, UserFactory, buyable_variant, checkout_cart

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres(postgres_only):
    pass


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _while_the_seller_deletes_the_code(code: DiscountCode, checkout):
    """Run ``checkout()`` in its own connection; delete ``code`` once it waits for the code's
    row lock. Returns what ``checkout()`` returned, or raises what it raised."""
    locked, release = threading.Event(), threading.Event()
    outcome: dict = {}

    def seller():
        try:
            with transaction.atomic():
                DiscountCode.objects.select_for_update().get(pk=code.pk)
                locked.set()
                release.wait(30)
                DiscountCode.objects.filter(pk=code.pk).delete()
        finally:
            connections.close_all()

    def shopper():
        try:
            outcome["result"] = checkout()
        except BaseException as exc:  # reported to the test
            outcome["error"] = exc
        finally:
            connections.close_all()

    seller_thread, shopper_thread = threading.Thread(target=seller), threading.Thread(target=shopper)
    seller_thread.start()
    assert locked.wait(30)
    shopper_thread.start()
    deadline = time.monotonic() + 30
    while not _waiting_on_a_lock() and shopper_thread.is_alive():
        assert time.monotonic() < deadline, "the checkout never waited for the code's lock"
        time.sleep(0.02)
    release.set()
    seller_thread.join(30)
    shopper_thread.join(60)
    assert not shopper_thread.is_alive()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _nothing_placed(code_pk: int) -> None:
    assert not Order.objects.exists() and not Payment.objects.exists()
    assert not DiscountRedemption.objects.exists()
    assert not DiscountCode.objects.filter(pk=code_pk).exists()


def test_a_code_deleted_while_the_site_places_the_order_is_a_409_with_the_new_total(client):
    # given a shopper on the checkout page with a 10% code applied
    variant = buyable_variant(price=20_000_000)
    code = DiscountCodeFactory(value=10)
    buyer = UserFactory()
    checkout_cart(buyer, (variant, 1))
    address = AddressFactory(user=buyer, is_default=True)
    client.force_login(buyer)
    page = client.get("/checkout/", {"discount_code": code.code})
    assert page.context["quote"].discount == 2_000_000
    form = {
        "address": str(address.pk),
        "discount_code": code.code,
        "payment_method": page.context["state"]["payment_method"],
        "idempotency_key": uuid.uuid4().hex,
        "quote_digest": page.context["quote"].digest,
    }
    # when the seller deletes the code while "Place order" is being handled
    response = _while_the_seller_deletes_the_code(code, lambda: client.post("/checkout/place/", form))
    # then the shopper is told, with the total as it is now, and nothing is placed
    html = response.content.decode()
    assert response.status_code == 409
    assert "Your discount code changed or was withdrawn while you were checking out." in html
    assert response.context["quote"].discount == 0 and "IDR200,000" in html
    _nothing_placed(code.pk)


def test_a_code_deleted_while_the_api_places_the_order_is_a_409_with_the_new_totals():
    # given a quote with the code applied
    variant = buyable_variant(price=20_000_000)
    code = DiscountCodeFactory(value=10)
    buyer = UserFactory()
    checkout_cart(buyer, (variant, 1))
    address = AddressFactory(user=buyer)
    client = APIClient()
    client.force_login(buyer)
    shown = client.post(
        "/api/v1/checkout/quote/",
        {"address": address.pk, "payment_method": "bank_transfer", "discount_code": code.code},
        format="json",
    ).json()
    assert shown["discount"] == 2_000_000
    body = {
        "address": address.pk,
        "payment_method": "bank_transfer",
        "discount_code": code.code,
        "idempotency_key": uuid.uuid4().hex,
        "quote_digest": shown["digest"],
    }
    # when the seller deletes the code while the order is being placed
    response = _while_the_seller_deletes_the_code(
        code, lambda: client.post("/api/v1/checkout/place/", body, format="json")
    )
    # then a 409 in the documented shape, with the new totals
    assert response.status_code == 409, response.content
    error = response.json()
    assert error["code"] == "quote_changed" and "withdrawn" in error["detail"]
    assert error["quote"]["discount"] == 0 and error["quote"]["discount_code"] is None
    _nothing_placed(code.pk)
