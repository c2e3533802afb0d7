"""Checkout's REST API under /api/v1/: cart, addresses, quote, placing, payments, the buyer's
orders and the seller's order desk; permissions, validation, idempotency, throttling."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from checkout import services
from checkout.models import CartLine, DiscountCode, Order, OrderStatus, Payment
from tests.factories import (
    PASSWORD,
    AddressFactory,
    DiscountCodeFactory,
    SellerFactory,
    StoreFactory,
    UserFactory,
    buyable_variant,
    checkout_cart,
    image_file,
    place,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
CART = f"{API}/cart/"
LINES = f"{API}/cart/lines/"
ADDRESSES = f"{API}/addresses/"
QUOTE = f"{API}/checkout/quote/"
PLACE = f"{API}/checkout/place/"
ORDERS = f"{API}/orders/"
DESK = f"{API}/store/orders/"

ADDRESS = {
    "label": "Rumah",
    "recipient": "Ani Wijaya",
    "phone": "+62 812-3456-7890",
    "street": "Jl. Kemang Raya No. 8",
    "district": "Mampang Prapatan",
    "city": "Jakarta Selatan",
    "province": "DKI Jakarta",
    "postal_code": "12730",
}


def client_for(user=None) -> APIClient:
    """An API client logged in with a session (APIClient skips CSRF unless asked to enforce it)."""
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def quote(client, **fields) -> dict:
    response = client.post(QUOTE, fields, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def place_body(client, *, address, method="bank_transfer", code="", key=None, **extra) -> dict:
    """The body a client sends to place: the digest of a quote it has just shown."""
    shown = quote(client, address=address.pk, payment_method=method, discount_code=code)
    return {
        "address": address.pk,
        "payment_method": method,
        "discount_code": code,
        "idempotency_key": key or uuid.uuid4().hex,
        "quote_digest": shown["digest"],
        **extra,
    }


def order_url(order, suffix="") -> str:
    return f"{ORDERS}{order.number}/{suffix}"


def desk_url(order, suffix="") -> str:
    return f"{DESK}{order.number}/{suffix}"


def numbers(response) -> list[str]:
    return [item["number"] for item in response.json()["results"]]


def walk(client, url) -> list[str]:
    """Every order of a cursor-paginated list, following the ``next`` links."""
    seen = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        seen += numbers(response)
        url = response.json()["next"]
    return seen


# --- The whole journey ---------------------------------------------------------------------------


def test_cart_to_quote_to_order_to_paid_shipped_delivered_and_completed():
    # given a store shipping for Rp20.000 that takes bank transfers, and a shopper
    variant = buyable_variant(price=15_000_000, stock=5)
    store = variant.store
    buyer = UserFactory()
    shopper, seller = client_for(buyer), client_for(store.owner)

    # when the shopper fills the cart and the address book
    added = shopper.post(LINES, {"variant": variant.pk, "quantity": 2}, format="json")
    address = shopper.post(ADDRESSES, ADDRESS, format="json")
    # then
    assert added.status_code == 201, added.content
    cart = shopper.get(CART).json()
    assert [group["store"]["slug"] for group in cart["stores"]] == [store.slug]
    (line,) = cart["stores"][0]["lines"]
    assert (line["variant"], line["quantity"], line["unit_price"], line["line_total"]) == (
        variant.pk,
        2,
        15_000_000,
        30_000_000,
    )
    assert (line["price_changed"], line["problem"]) == (False, "")
    assert (cart["subtotal"], cart["shipping"], cart["total"], cart["item_count"]) == (
        30_000_000,
        2_000_000,
        32_000_000,
        2,
    )
    assert cart["currency"] == "IDR" and cart["total_display"]
    assert address.status_code == 201, address.content
    assert address.json()["is_default"] is True  # the first address
    assert address.json()["phone"] == "081234567890"  # normalised by the service

    # when the shopper gets a quote and places the order
    shown = quote(shopper, payment_method="bank_transfer")
    placed = shopper.post(
        PLACE,
        {
            "address": address.json()["id"],
            "payment_method": "bank_transfer",
            "idempotency_key": "checkout-1",
            "quote_digest": shown["digest"],
            "note": "Tolong dibungkus rapi",
        },
        format="json",
    )
    # then
    assert shown["can_place"] is True and shown["errors"] == {}
    assert shown["address"] == address.json()["id"]  # the default address, when none is named
    assert shown["total"] == 32_000_000
    methods = {option["method"]: option for option in shown["payment_methods"]}
    assert methods["bank_transfer"]["available"] and methods["cod"]["available"]
    assert "card" not in methods  # no Stripe keys: the option is not offered
    assert placed.status_code == 201, placed.content
    payment = placed.json()
    (summary,) = payment["orders"]
    order = Order.objects.get(number=summary["number"])
    assert placed["Location"] == f"{API}/payments/{payment['id']}/"
    assert (payment["method"], payment["status"], payment["amount"]) == ("bank_transfer", "pending", order.total)
    assert payment["client_secret_url"] is None
    assert order.total == 32_000_000 + order.unique_code
    assert summary["bank_transfer"]["account_number"] == "1234567890"
    assert summary["bank_transfer"]["amount"] == order.total
    assert summary["bank_transfer"]["unique_code"] == order.unique_code
    assert shopper.get(CART).json()["stores"] == []
    variant.refresh_from_db()
    assert variant.stock == 3

    # when the shopper looks at the order and uploads the proof of transfer
    detail = shopper.get(order_url(order)).json()
    proof = shopper.post(order_url(order, "transfer-proof/"), {"image": image_file("bukti.png", "PNG")})
    # then
    assert detail["status"] == "pending_payment"
    assert detail["actions"] == ["cancel", "transfer-proof"]
    assert detail["buyer_note"] == "Tolong dibungkus rapi"
    assert detail["shipping_address"]["city"] == "Jakarta Selatan"
    assert [(line["product_title"], line["quantity"]) for line in detail["lines"]] == [(variant.product.title, 2)]
    assert proof.status_code == 200, proof.content
    assert proof.json()["transfer_proof"].startswith("http://testserver/")
    assert proof.json()["bank_transfer"]["proof_uploaded"] is True

    # when the seller confirms the transfer, ships, and marks it delivered
    listed = seller.get(DESK).json()
    seen = seller.get(desk_url(order)).json()
    paid = seller.post(desk_url(order, "confirm-transfer/"), {"note": "BCA 12.00"}, format="json")
    shipped = seller.post(desk_url(order, "ship/"), {"carrier": "JNE", "tracking_number": "JNE123"}, format="json")
    delivered = seller.post(desk_url(order, "deliver/"))
    # then
    assert [item["number"] for item in listed["results"]] == [order.number]
    assert listed["results"][0]["url"] == f"http://testserver{desk_url(order)}"
    assert seen["actions"] == ["confirm-transfer", "cancel"]
    assert seen["transfer_proof"] is not None  # the seller sees the proof too
    assert paid.status_code == 200, paid.content
    assert paid.json()["status"] == "paid" and paid.json()["bank_transfer"] is None
    assert shipped.json()["tracking"]["carrier"] == "JNE"
    assert shipped.json()["tracking"]["tracking_number"] == "JNE123"
    assert delivered.json()["status"] == "delivered"

    # when the buyer confirms receipt
    done = shopper.post(order_url(order, "confirm-receipt/"))
    # then
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "completed"
    assert [(event["to_status"], event["by"]) for event in done.json()["events"]] == [
        ("pending_payment", "buyer"),
        ("paid", "seller"),
        ("shipped", "seller"),
        ("delivered", "seller"),
        ("completed", "buyer"),
    ]
    assert done.json()["actions"] == []


def test_placing_twice_with_the_same_key_places_one_checkout():
    # given
    variant = buyable_variant(stock=5)
    buyer = UserFactory()
    checkout_cart(buyer, (variant, 1))
    address = AddressFactory(user=buyer)
    client = client_for(buyer)
    body = place_body(client, address=address, key="same-key")
    # when: a second press, after the cart was refilled
    first = client.post(PLACE, body, format="json")
    checkout_cart(buyer, (variant, 1))
    again = client.post(PLACE, body, format="json")
    # then
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["orders"] == first.json()["orders"]
    assert Order.objects.filter(buyer=buyer).count() == 1
    variant.refresh_from_db()
    assert variant.stock == 4
    assert CartLine.objects.filter(cart__user=buyer).count() == 1  # the refilled cart is untouched


# --- Nothing the client sends changes what is charged --------------------------------------------------


def test_prices_and_totals_in_the_request_are_ignored():
    # given
    variant = buyable_variant(price=15_000_000, stock=5)
    buyer = UserFactory()
    checkout_cart(buyer, (variant, 2))
    client = client_for(buyer)
    address = AddressFactory(user=buyer)
    shown = quote(client, address=address.pk, payment_method="cod", price=1, total=1)
    # when
    response = client.post(
        PLACE,
        place_body(
            client,
            address=address,
            method="cod",
            price=100,
            unit_price=100,
            subtotal=100,
            shipping=0,
            discount=30_000_000,
            total=100,
            amount=100,
            cod_fee=0,
            status="paid",
            buyer=UserFactory().pk,
        ),
        format="json",
    )
    # then: the server's quote, to the sen
    assert response.status_code == 201, response.content
    order = Order.objects.get(buyer=buyer)
    assert shown["total"] == 30_000_000 + 2_000_000 + 500_000
    assert (order.subtotal, order.shipping, order.discount, order.cod_fee) == (30_000_000, 2_000_000, 0, 500_000)
    assert order.total == shown["total"]
    assert Payment.objects.get(buyer=buyer).amount == order.total == response.json()["amount"]
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_another_stores_discount_code_is_refused_and_nothing_is_placed():
    # given a code for another store
    variant = buyable_variant(stock=5)
    other_code = DiscountCodeFactory(code="TOKOLAIN", store=StoreFactory(), value=50)
    buyer = UserFactory()
    checkout_cart(buyer, (variant, 1))
    address = AddressFactory(user=buyer)
    client = client_for(buyer)
    # when
    shown = quote(client, address=address.pk, payment_method="bank_transfer", discount_code="tokolain")
    placed = client.post(PLACE, place_body(client, address=address, code="TOKOLAIN"), format="json")
    # then
    assert shown["can_place"] is False
    assert "not in your cart" in shown["errors"]["discount_code"]
    assert shown["discount"] == 0 and shown["discount_code"] is None
    assert placed.status_code == 400
    assert "discount_code" in placed.json()
    assert not Order.objects.exists() and not Payment.objects.exists()
    other_code.refresh_from_db()
    assert other_code.times_used == 0


def test_a_discount_code_of_the_store_is_applied_by_the_server():
    # given
    variant = buyable_variant(price=20_000_000, stock=5)
    DiscountCodeFactory(code="HEMAT10", store=variant.store, value=10)
    buyer = UserFactory()
    checkout_cart(buyer, (variant, 1))
    address = AddressFactory(user=buyer)
    client = client_for(buyer)
    # when
    shown = quote(client, payment_method="cod", discount_code="hemat10")
    placed = client.post(PLACE, place_body(client, address=address, method="cod", code="hemat10"), format="json")
    # then
    assert (shown["discount"], shown["discount_code"]) == (2_000_000, "HEMAT10")
    assert placed.status_code == 201, placed.content
    order = Order.objects.get(buyer=buyer)
    assert order.discount == 2_000_000 and order.total == shown["total"]
    assert DiscountCode.objects.get(code="HEMAT10").times_used == 1


def test_someone_elses_address_or_cart_line_changes_nothing():
    # given
    variant = buyable_variant(stock=5)
    buyer, stranger = UserFactory(), UserFactory()
    checkout_cart(buyer, (variant, 1))
    theirs = checkout_cart(stranger, (variant, 3)).lines.get()
    their_address = AddressFactory(user=stranger)
    client = client_for(buyer)
    own_address = AddressFactory(user=buyer)
    # when
    shown = quote(client, address=their_address.pk, payment_method="bank_transfer")
    body = place_body(client, address=own_address)
    placed = client.post(PLACE, {**body, "address": their_address.pk}, format="json")
    patched = client.patch(f"{LINES}{theirs.pk}/", {"quantity": 1}, format="json")
    deleted = client.delete(f"{LINES}{theirs.pk}/")
    # then
    assert shown["can_place"] is False and shown["address"] is None
    assert shown["errors"]["address"] == "Choose one of your addresses."
    assert placed.status_code == 400
    assert placed.json() == {"address": ["Choose one of your addresses."]}
    assert not Order.objects.exists()
    assert (patched.status_code, deleted.status_code) == (404, 404)
    theirs.refresh_from_db()
    assert theirs.quantity == 3
    for method, url in [
        ("get", f"{ADDRESSES}{their_address.pk}/"),
        ("patch", f"{ADDRESSES}{their_address.pk}/"),
        ("delete", f"{ADDRESSES}{their_address.pk}/"),
        ("post", f"{ADDRESSES}{their_address.pk}/default/"),
    ]:
        assert getattr(client, method)(url, {"city": "Bandung"}, format="json").status_code == 404, (method, url)
    their_address.refresh_from_db()
    assert their_address.city == "Jakarta Selatan"
    assert [item["id"] for item in client.get(ADDRESSES).json()] == [own_address.pk]


# --- Conflicts and validation -------------------------------------------------------------------------


def test_out_of_stock_is_a_409_with_a_clear_message_and_keeps_the_cart():
    # given the quote was shown, then someone bought most of the stock
    variant = buyable_variant(stock=3)
    buyer = UserFactory()
    checkout_cart(buyer, (variant, 2))
    address = AddressFactory(user=buyer)
    client = client_for(buyer)
    body = place_body(client, address=address)
    variant.stock = 1
    variant.save(update_fields=["stock"])
    # when
    response = client.post(PLACE, body, format="json")
    cart = client.get(CART).json()
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_stock"
    assert "not enough stock" in response.json()["detail"]
    assert not Order.objects.exists()
    assert cart["has_problems"] is True
    assert cart["stores"][0]["lines"][0]["problem"] == "Only 1 left."
    assert quote(client, payment_method="bank_transfer")["can_place"] is False


def test_a_price_changed_since_the_quote_is_a_409_and_accepting_the_new_prices_clears_the_flag():
    # given
    variant = buyable_variant(price=15_000_000, stock=3)
    buyer = UserFactory()
    checkout_cart(buyer, (variant, 1))
    address = AddressFactory(user=buyer)
    client = client_for(buyer)
    body = place_body(client, address=address)
    variant.price = 17_500_000
    variant.save(update_fields=["price"])
    flagged = client.get(CART).json()
    accepted = client.post(f"{API}/cart/accept-prices/")
    # when
    response = client.post(PLACE, body, format="json")
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "quote_changed"
    assert not Order.objects.exists()
    line = flagged["stores"][0]["lines"][0]
    assert (line["price_changed"], line["price_seen"], line["unit_price"]) == (True, 15_000_000, 17_500_000)
    assert flagged["has_price_changes"] is True
    assert accepted.status_code == 200
    assert accepted.json()["has_price_changes"] is False
    # and a fresh quote places at the new price
    placed = client.post(PLACE, place_body(client, address=address), format="json")
    assert placed.status_code == 201, placed.content
    assert Order.objects.get().subtotal == 17_500_000


def test_a_cart_price_change_is_a_409_with_the_new_totals_even_with_a_fresh_quote_as_on_the_site():
    # given a cart line whose price changed since it was added, and a quote taken after the change
    variant = buyable_variant(price=15_000_000, stock=3)
    buyer = UserFactory()
    checkout_cart(buyer, (variant, 1))
    address = AddressFactory(user=buyer)
    client = client_for(buyer)
    variant.price = 17_500_000
    variant.save(update_fields=["price"])
    body = place_body(client, address=address)
    # when it is placed
    response = client.post(PLACE, body, format="json")
    # then the same rule as the site: refused, with a clear message and the new totals
    assert response.status_code == 409, response.content
    error = response.json()
    assert error["code"] == "quote_changed"
    assert "Some prices changed since you added them to your cart" in error["detail"]
    assert (error["quote"]["subtotal"], error["quote"]["can_place"]) == (17_500_000, True)
    assert not Order.objects.exists()
    # and the client confirms by sending again with the digest of the quote it showed
    placed = client.post(PLACE, {**body, "quote_digest": error["quote"]["digest"]}, format="json")
    assert placed.status_code == 201, placed.content
    assert Order.objects.get().subtotal == 17_500_000


def test_placing_needs_every_field_and_names_the_missing_ones():
    # given
    client = client_for(UserFactory())
    # when
    response = client.post(PLACE, {"payment_method": "cheque"}, format="json")
    # then
    assert response.status_code == 400
    assert set(response.json()) == {"address", "payment_method", "idempotency_key", "quote_digest"}


def test_an_empty_cart_cannot_be_placed():
    # given
    buyer = UserFactory()
    address = AddressFactory(user=buyer)
    client = client_for(buyer)
    shown = quote(client, payment_method="bank_transfer")
    # when
    response = client.post(PLACE, place_body(client, address=address), format="json")
    # then
    assert shown["can_place"] is False and shown["errors"]["cart"] == "Your cart is empty."
    assert response.status_code == 400
    assert response.json() == {"detail": ["Your cart is empty."]}


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        ("post", LINES, {"variant": "1\x00", "quantity": 1}, "variant"),
        ("post", ADDRESSES, {**ADDRESS, "recipient": "Ani\x00"}, "recipient"),
        ("post", QUOTE, {"discount_code": "HEMAT\x00"}, "discount_code"),
        ("post", QUOTE, {"payment_method": "cod\x00"}, "payment_method"),
        (
            "post",
            PLACE,
            {"address": 1, "payment_method": "cod", "idempotency_key": "k\x00", "quote_digest": "d"},
            "idempotency_key",
        ),
        (
            "post",
            PLACE,
            {"address": 1, "payment_method": "cod", "idempotency_key": "k", "quote_digest": "d", "note": "a\x00"},
            "note",
        ),
        ("get", ORDERS, {"cursor": "a\x00b"}, "cursor"),
        ("get", DESK, {"status": "paid\x00"}, "status"),
    ],
)
def test_nul_bytes_are_a_400_not_a_500(method, url, body, field):
    # given
    store = StoreFactory()
    client = client_for(store.owner)
    # when
    response = client.get(url, body) if method == "get" else client.post(url, body, format="json")
    # then
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_nul_bytes_in_seller_and_address_updates_are_a_400():
    # given
    placed = place(UserFactory(), (buyable_variant(), 1), method="cod")
    (order,) = placed.orders
    address = AddressFactory(user=placed.payment.buyer)
    seller = client_for(order.store.owner)
    # when
    shipped = seller.post(desk_url(order, "ship/"), {"carrier": "JNE\x00", "tracking_number": "1"}, format="json")
    cancelled = seller.post(desk_url(order, "cancel/"), {"note": "x\x00"}, format="json")
    edited = client_for(placed.payment.buyer).patch(f"{ADDRESSES}{address.pk}/", {"city": "\x00"}, format="json")
    # then
    assert (shipped.status_code, cancelled.status_code, edited.status_code) == (400, 400, 400)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT and order.carrier == ""


# --- Cart ---------------------------------------------------------------------------------------------


def test_cart_lines_are_added_changed_and_removed():
    # given
    variant = buyable_variant(stock=4)
    client = client_for(UserFactory())
    # when
    client.post(LINES, {"variant": variant.pk}, format="json")
    added = client.post(LINES, {"variant": variant.pk, "quantity": 2}, format="json").json()
    line_id = added["stores"][0]["lines"][0]["id"]
    too_many = client.patch(f"{LINES}{line_id}/", {"quantity": 5}, format="json")
    changed = client.patch(f"{LINES}{line_id}/", {"quantity": 4}, format="json")
    removed = client.patch(f"{LINES}{line_id}/", {"quantity": 0}, format="json")
    # then
    assert added["stores"][0]["lines"][0]["quantity"] == 3
    assert too_many.status_code == 400 and too_many.json() == {"quantity": ["Only 4 left in stock."]}
    assert changed.json()["item_count"] == 4
    assert removed.status_code == 200 and removed.json()["stores"] == []
    # when added again and deleted
    line_id = client.post(LINES, {"variant": variant.pk}, format="json").json()["stores"][0]["lines"][0]["id"]
    assert client.delete(f"{LINES}{line_id}/").status_code == 204
    assert client.delete(f"{LINES}{line_id}/").status_code == 404
    assert client.get(CART).json()["item_count"] == 0


def test_a_variant_not_on_sale_or_unknown_cannot_be_added():
    # given
    draft = buyable_variant()
    draft.product.status = "draft"
    draft.product.save()
    client = client_for(UserFactory())
    # then
    assert client.post(LINES, {"variant": draft.pk}, format="json").json() == {
        "variant": ["This product is not on sale."]
    }
    assert client.post(LINES, {"variant": 2**62}, format="json").status_code == 400
    assert client.post(LINES, {"variant": 2**64}, format="json").status_code == 400
    assert client.post(LINES, {"variant": draft.pk, "quantity": 100}, format="json").status_code == 400
    assert not CartLine.objects.exists()


# --- Addresses ------------------------------------------------------------------------------------------


def test_the_address_book_create_edit_default_and_delete():
    # given
    user = UserFactory()
    client = client_for(user)
    # when
    home = client.post(ADDRESSES, ADDRESS, format="json").json()
    office = client.post(ADDRESSES, {**ADDRESS, "label": "Kantor", "is_default": True}, format="json").json()
    listed = client.get(ADDRESSES).json()
    edited = client.patch(f"{ADDRESSES}{home['id']}/", {"city": "Bandung", "province": "Jawa Barat"}, format="json")
    made_default = client.post(f"{ADDRESSES}{home['id']}/default/")
    # then
    assert [item["label"] for item in listed] == ["Kantor", "Rumah"]  # the default first
    assert office["is_default"] is True
    assert edited.status_code == 200 and edited.json()["city"] == "Bandung"
    assert made_default.json()["is_default"] is True
    assert [item["is_default"] for item in client.get(ADDRESSES).json()] == [True, False]
    # when the default is deleted, the other becomes the default
    assert client.delete(f"{ADDRESSES}{home['id']}/").status_code == 204
    (left,) = client.get(ADDRESSES).json()
    assert (left["id"], left["is_default"]) == (office["id"], True)


def test_an_invalid_address_names_its_fields():
    # given
    client = client_for(UserFactory())
    # when
    shape = client.post(ADDRESSES, {**ADDRESS, "province": "Atlantis", "recipient": ""}, format="json")
    rules = client.post(ADDRESSES, {**ADDRESS, "phone": "12345", "postal_code": "0123"}, format="json")
    # then
    assert shape.status_code == 400 and set(shape.json()) == {"province", "recipient"}
    assert rules.status_code == 400 and set(rules.json()) == {"phone", "postal_code"}  # the model's validators
    assert client.get(ADDRESSES).json() == []


# --- Permissions ---------------------------------------------------------------------------------------


def test_anonymous_callers_get_401_everywhere():
    # given
    placed = place(UserFactory(), (buyable_variant(), 1))
    (order,) = placed.orders
    client = APIClient()
    # then
    for method, url in [
        ("get", CART),
        ("post", LINES),
        ("post", f"{API}/cart/accept-prices/"),
        ("get", ADDRESSES),
        ("post", QUOTE),
        ("post", PLACE),
        ("get", f"{API}/payments/{placed.payment.pk}/"),
        ("post", f"{API}/payments/{placed.payment.pk}/client-secret/"),
        ("get", ORDERS),
        ("get", order_url(order)),
        ("post", order_url(order, "cancel/")),
        ("get", DESK),
        ("post", desk_url(order, "confirm-transfer/")),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 401, (method, url)
        assert response["WWW-Authenticate"] == "Token"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_a_stranger_gets_404_for_someone_elses_order_and_payment():
    # given
    placed = place(UserFactory(), (buyable_variant(), 1))
    (order,) = placed.orders
    client = client_for(UserFactory())
    # then
    for method, url in [
        ("get", order_url(order)),
        ("post", order_url(order, "cancel/")),
        ("post", order_url(order, "confirm-receipt/")),
        ("post", order_url(order, "transfer-proof/")),
        ("get", f"{API}/payments/{placed.payment.pk}/"),
        ("post", f"{API}/payments/{placed.payment.pk}/client-secret/"),
        ("get", f"{ORDERS}NOPE-123/"),
        ("get", f"{API}/payments/99999999999999999999/"),
    ]:
        assert getattr(client, method)(url).status_code == 404, (method, url)
    assert client.get(ORDERS).json() == {"results": [], "next": None}
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_the_seller_and_staff_see_the_order_but_only_the_buyer_confirms_receipt():
    # given a delivered order
    placed = place(UserFactory(), (buyable_variant(), 1), method="cod")
    (order,) = placed.orders
    services.mark_shipped(order=order, actor=order.store.owner, carrier="JNE", tracking_number="1")
    services.mark_delivered(order=order, actor=order.store.owner)
    seller = client_for(order.store.owner)
    staff = client_for(UserFactory(is_superuser=True, is_staff=True))
    # when
    seen = seller.get(order_url(order))
    refused = seller.post(order_url(order, "confirm-receipt/"))
    # then
    assert seen.status_code == 200 and seen.json()["actions"] == []
    assert refused.status_code == 403
    assert refused.json() == {"detail": "You may not change this order."}
    assert staff.get(order_url(order)).status_code == 200
    assert seller.get(ORDERS).json()["results"] == []  # the buyer's list is purchases only
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_the_order_desk_needs_a_store_and_shows_only_its_own_orders():
    # given two stores with an order each
    mine = place(UserFactory(), (buyable_variant(), 1)).orders[0]
    theirs = place(UserFactory(), (buyable_variant(), 1)).orders[0]
    seller = client_for(mine.store.owner)
    # then
    assert numbers(seller.get(DESK)) == [mine.number]
    for url in [desk_url(theirs), desk_url(theirs, "confirm-transfer/"), desk_url(theirs, "refund/")]:
        response = seller.get(url) if url == desk_url(theirs) else seller.post(url)
        assert response.status_code == 404, url
    shopper = client_for(mine.buyer)
    assert shopper.get(DESK).status_code == 403
    assert shopper.post(desk_url(mine, "confirm-transfer/")).status_code == 403
    assert client_for(SellerFactory()).get(DESK).status_code == 403  # a seller without a store yet
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.status, mine.status) == (OrderStatus.PENDING_PAYMENT, OrderStatus.PENDING_PAYMENT)


def test_a_move_the_state_machine_forbids_is_a_409():
    # given an unpaid bank transfer
    (order,) = place(UserFactory(), (buyable_variant(), 1)).orders
    seller, buyer = client_for(order.store.owner), client_for(order.buyer)
    # when
    receipt = buyer.post(order_url(order, "confirm-receipt/"))
    delivered = seller.post(desk_url(order, "deliver/"))
    refused = seller.post(desk_url(order, "refuse/"))
    # then
    for response in (receipt, delivered, refused):
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "illegal_transition"
    assert "cannot become" in receipt.json()["detail"]
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_the_buyer_cancels_an_unpaid_order_and_its_units_go_back():
    # given
    variant = buyable_variant(stock=5)
    (order,) = place(UserFactory(), (variant, 2)).orders
    client = client_for(order.buyer)
    # when
    response = client.post(order_url(order, "cancel/"), {"note": "Salah ukuran"}, format="json")
    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["events"][-1]["note"] == "Salah ukuran"
    variant.refresh_from_db()
    assert variant.stock == 5
    assert client.post(order_url(order, "cancel/")).status_code == 409


def test_the_seller_refunds_a_paid_transfer_and_a_refused_cash_parcel_restocks():
    # given a paid transfer and a shipped cash-on-delivery order of the same store
    variant = buyable_variant(stock=10)
    (transfer,) = place(UserFactory(), (variant, 1)).orders
    (cash,) = place(UserFactory(), (variant, 2), method="cod").orders
    services.confirm_transfer(order=transfer, actor=transfer.store.owner)
    seller = client_for(variant.store.owner)
    shipped = seller.post(desk_url(cash, "ship/"), {"carrier": "SiCepat", "tracking_number": "SC1"}, format="json")
    # when
    refunded = seller.post(desk_url(transfer, "refund/"), {"note": "Stok rusak"}, format="json")
    refused = seller.post(desk_url(cash, "refuse/"))
    # then
    assert shipped.json()["actions"] == ["deliver", "refuse"]
    assert refunded.status_code == 200, refunded.content
    assert (refunded.json()["status"], refunded.json()["refunded_amount"]) == ("refunded", transfer.total)
    assert refused.json()["status"] == "refused"
    variant.refresh_from_db()
    assert variant.stock == 10


def test_the_transfer_proof_must_be_an_image_of_a_pending_transfer():
    # given
    (order,) = place(UserFactory(), (buyable_variant(), 1)).orders
    (cash,) = place(order.buyer, (buyable_variant(), 1), method="cod").orders
    client = client_for(order.buyer)
    spoofed = SimpleUploadedFile("bukti.jpg", b"<html>not an image</html>", content_type="image/jpeg")
    # when
    bad = client.post(order_url(order, "transfer-proof/"), {"image": spoofed})
    missing = client.post(order_url(order, "transfer-proof/"), {})
    not_transfer = client.post(order_url(cash, "transfer-proof/"), {"image": image_file()})
    # then
    assert bad.status_code == 400 and "image" in bad.json()
    assert missing.status_code == 400 and "image" in missing.json()
    assert not_transfer.status_code == 400
    order.refresh_from_db()
    assert not order.transfer_proof


# --- Auth, paging, throttling ----------------------------------------------------------------------------


def test_a_token_authenticates_the_checkout_api():
    # given
    buyer = UserFactory()
    variant = buyable_variant()
    address = AddressFactory(user=buyer)
    client = APIClient()
    token = client.post(f"{API}/auth/token/", {"email": buyer.email, "password": PASSWORD}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    # when
    added = client.post(LINES, {"variant": variant.pk, "quantity": 1}, format="json")
    placed = client.post(PLACE, place_body(client, address=address), format="json")
    # then
    assert added.status_code == 201
    assert placed.status_code == 201, placed.content
    assert numbers(client.get(ORDERS)) == [placed.json()["orders"][0]["number"]]


def test_orders_are_cursor_pages_newest_first_and_the_desk_filters_by_status():
    # given five orders from one store, one of them paid
    store = StoreFactory()
    buyer = UserFactory()
    variant = buyable_variant(store=store, stock=20)
    orders = [place(buyer, (variant, 1)).orders[0] for _ in range(5)]
    services.confirm_transfer(order=orders[1], actor=store.owner)
    # when
    seen = walk(client_for(buyer), f"http://testserver{ORDERS}?limit=2")
    desk = walk(client_for(store.owner), f"http://testserver{DESK}?limit=3")
    paid = client_for(store.owner).get(DESK, {"status": "paid"})
    # then
    newest_first = [order.number for order in reversed(orders)]
    assert seen == newest_first
    assert desk == newest_first
    assert numbers(paid) == [orders[1].number]


@pytest.mark.parametrize("cursor", ["bm90LWEtY3Vyc29y", "!!!", "x" * 201, "MjAyNC0wMS0wMXwx"])
def test_a_forged_cursor_is_a_400(cursor):
    # when
    response = client_for(UserFactory()).get(ORDERS, {"cursor": cursor})
    # then
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_placing_orders_is_rate_limited_per_user(monkeypatch):
    # given a low limit (the real one comes from API_CHECKOUT_RATE)
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "checkout": "2/min"}
    )
    buyer = UserFactory()
    address = AddressFactory(user=buyer)
    variant = buyable_variant(stock=10)
    client = client_for(buyer)
    # when
    codes = []
    for _ in range(3):
        checkout_cart(buyer, (variant, 1))
        codes.append(client.post(PLACE, place_body(client, address=address), format="json").status_code)
    # then
    assert codes == [201, 201, 429]
    assert Order.objects.count() == 2
    assert client.post(QUOTE, {}, format="json").status_code == 200  # quoting is not limited by it
    other = UserFactory()
    checkout_cart(other, (variant, 1))
    other_client = client_for(other)
    assert (
        other_client.post(
            PLACE, place_body(other_client, address=AddressFactory(user=other)), format="json"
        ).status_code
        == 201
    )


# --- Payments ---------------------------------------------------------------------------------------


def test_a_payment_shows_its_orders_to_its_buyer_only():
    # given a checkout from two stores
    buyer = UserFactory()
    placed = place(buyer, (buyable_variant(), 1), (buyable_variant(), 2))
    # when
    response = client_for(buyer).get(f"{API}/payments/{placed.payment.pk}/")
    # then
    assert response.status_code == 200
    data = response.json()
    assert data["amount"] == sum(order.total for order in placed.orders)
    assert sorted(order["number"] for order in data["orders"]) == sorted(order.number for order in placed.orders)
    assert client_for(placed.orders[0].store.owner).get(f"{API}/payments/{placed.payment.pk}/").status_code == 404


def test_only_card_payments_have_a_client_secret():
    # given
    buyer = UserFactory()
    placed = place(buyer, (buyable_variant(), 1))
    # when
    response = client_for(buyer).post(f"{API}/payments/{placed.payment.pk}/client-secret/")
    # then
    assert response.status_code == 400
    assert response.json() == {"detail": ["Only card payments have a client secret."]}


def test_a_card_checkout_gets_its_client_secret_from_stripe(localstripe):
    # given card payments on (localstripe), and a shopper with a cart
    buyer = UserFactory()
    variant = buyable_variant(price=15_000_000)
    checkout_cart(buyer, (variant, 1))
    client = client_for(buyer)
    address = AddressFactory(user=buyer)
    # when
    shown = quote(client, address=address.pk, payment_method="card")
    placed = client.post(PLACE, place_body(client, address=address, method="card"), format="json")
    url = placed.json()["client_secret_url"]
    first = client.post(url)
    again = client.post(url)
    # then
    assert "card" in {option["method"] for option in shown["payment_methods"]}
    assert placed.status_code == 201, placed.content
    assert url == f"http://testserver{API}/payments/{placed.json()['id']}/client-secret/"
    assert first.status_code == 200, first.content
    secret = first.json()["client_secret"]
    assert secret.startswith("pi_") and "_secret_" in secret
    assert first.json()["publishable_key"] == "pk_test_etalase"
    assert again.json()["client_secret"] == secret  # one intent per checkout
    payment = Payment.objects.get(pk=placed.json()["id"])
    intent = localstripe.intent(payment.stripe_payment_intent)
    assert intent["amount"] == payment.amount == Order.objects.get(buyer=buyer).total
    assert client_for(UserFactory()).post(url).status_code == 404


def test_a_cancelled_card_checkout_has_no_client_secret(localstripe):
    # given
    buyer = UserFactory()
    placed = place(buyer, (buyable_variant(), 1), method="card")
    services.cancel_order(order=placed.orders[0], actor=buyer)
    # when
    response = client_for(buyer).post(f"{API}/payments/{placed.payment.pk}/client-secret/")
    # then
    assert response.status_code == 400
    assert not localstripe.intents()


# --- Schema ---------------------------------------------------------------------------------------------


def test_the_schema_lists_the_checkout_endpoints_without_warnings(client, tmp_path):
    # given
    GENERATOR_STATS.reset()
    # when: raises CommandError on any warning, or on an invalid OpenAPI document
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    schema = client.get("/api/schema/", {"format": "json"}).json()
    # then
    for path, method in [
        ("/api/v1/cart/", "get"),
        ("/api/v1/cart/lines/", "post"),
        ("/api/v1/cart/lines/{id}/", "patch"),
        ("/api/v1/cart/lines/{id}/", "delete"),
        ("/api/v1/cart/accept-prices/", "post"),
        ("/api/v1/addresses/", "get"),
        ("/api/v1/addresses/", "post"),
        ("/api/v1/addresses/{id}/", "put"),
        ("/api/v1/addresses/{id}/default/", "post"),
        ("/api/v1/checkout/quote/", "post"),
        ("/api/v1/checkout/place/", "post"),
        ("/api/v1/payments/{id}/", "get"),
        ("/api/v1/payments/{id}/client-secret/", "post"),
        ("/api/v1/orders/", "get"),
        ("/api/v1/orders/{number}/", "get"),
        ("/api/v1/orders/{number}/cancel/", "post"),
        ("/api/v1/orders/{number}/confirm-receipt/", "post"),
        ("/api/v1/orders/{number}/transfer-proof/", "post"),
        ("/api/v1/orders/{number}/transfer-proof/image/", "get"),
        ("/api/v1/store/orders/", "get"),
        ("/api/v1/store/orders/{number}/", "get"),
        ("/api/v1/store/orders/{number}/confirm-transfer/", "post"),
        ("/api/v1/store/orders/{number}/ship/", "post"),
        ("/api/v1/store/orders/{number}/deliver/", "post"),
        ("/api/v1/store/orders/{number}/refuse/", "post"),
        ("/api/v1/store/orders/{number}/cancel/", "post"),
        ("/api/v1/store/orders/{number}/refund/", "post"),
    ]:
        assert method in schema["paths"][path], (path, method)
    place_responses = schema["paths"]["/api/v1/checkout/place/"]["post"]["responses"]
    assert {"200", "201", "400", "401", "409"} <= set(place_responses)
    ship = schema["paths"]["/api/v1/store/orders/{number}/ship/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(ship)
    proof = schema["paths"]["/api/v1/orders/{number}/transfer-proof/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in proof
    body = schema["components"]["schemas"]["PlaceOrderRequest"]["properties"]
    assert not {"price", "total", "amount"} & set(body)


# --- Query budgets -----------------------------------------------------------------------------------------


def test_the_cart_the_quote_and_order_pages_take_the_same_queries_for_few_and_many_lines():
    # given a shopper whose cart and orders grow from one store to four
    buyer = UserFactory()
    AddressFactory(user=buyer)
    client = client_for(buyer)

    def counts() -> dict[str, int]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        (order,) = Order.objects.filter(buyer=buyer).order_by("-placed_at", "-id")[:1]
        result = {}
        for name, call in [
            ("cart", lambda: client.get(CART)),
            ("quote", lambda: client.post(QUOTE, {"payment_method": "bank_transfer"}, format="json")),
            ("orders", lambda: client.get(ORDERS)),
            ("order", lambda: client.get(order_url(order))),
            ("payment", lambda: client.get(f"{API}/payments/{order.payment_id}/")),
        ]:
            with CaptureQueriesContext(connection) as captured:
                assert call().status_code == 200, name
            result[name] = len(captured)
        return result

    place(buyer, (buyable_variant(), 1))
    checkout_cart(buyer, (buyable_variant(), 1))
    few = counts()
    variants = [buyable_variant() for _ in range(4)]
    place(buyer, *[(variant, 1) for variant in variants])
    for _ in range(3):
        place(buyer, (buyable_variant(), 1))
    checkout_cart(buyer, *[(variant, 1) for variant in variants])
    # then
    assert counts() == few
