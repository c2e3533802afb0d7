"""Checkout in the seller's back office: their own store's orders, settings and discount codes."""

import sys
import types
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import ProductVariant, Store
from checkout import payments
from checkout.admin.order_actions import ORDER_ACTIONS
from checkout.models import (
    Address,
    Cart,
    DiscountCode,
    Order,
    OrderEvent,
    OrderStatus,
    Payment,
    StoreCheckoutSettings,
    StripeEvent,
)
from shop.money import format_money
from tests.admin_helpers import admin_url, form_data
from tests.factories import (
    DiscountCodeFactory,
    SellerFactory,
    StoreFactory,
    UserFactory,
    buyable_variant,
    checkout_cart,
    place,
)

pytestmark = pytest.mark.django_db

ACTION_SLUGS = [action.slug for action in ORDER_ACTIONS]


@dataclass
class Shop:
    owner: object
    store: Store
    variant: ProductVariant


def make_shop(*, owner_name: str, store_name: str, sku: str) -> Shop:
    owner = SellerFactory(username=owner_name)
    store = StoreFactory(owner=owner, name=store_name)
    variant = buyable_variant(store=store, price=15_000_000, stock=10, sku=sku, options={"Size": "M"})
    return Shop(owner, store, variant)


@pytest.fixture
def shop_a() -> Shop:
    return make_shop(owner_name="ayu", store_name="Warung Kopi Ayu", sku="KOPI-1")


@pytest.fixture
def shop_b() -> Shop:
    return make_shop(owner_name="budi", store_name="Galeri Tenun Budi", sku="TENUN-1")


@pytest.fixture
def buyer():
    return UserFactory(username="sari", email="sari@example.com", first_name="Sari", last_name="Dewi")


@pytest.fixture
def seller_a(client, shop_a, shop_b):
    client.force_login(shop_a.owner)
    return client


@pytest.fixture
def superuser_client(client, shop_a, shop_b):
    client.force_login(UserFactory(username="root-admin", is_staff=True, is_superuser=True))
    return client


def order_for(buyer, shop: Shop, quantity: int = 2, method: str = "bank_transfer", **kwargs) -> Order:
    (order,) = place(buyer, (shop.variant, quantity), method=method, **kwargs).orders
    return order


def stock_of(shop: Shop) -> int:
    shop.variant.refresh_from_db()
    return shop.variant.stock


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def action_url(order: Order, slug: str) -> str:
    action = next(action for action in ORDER_ACTIONS if action.slug == slug)
    return reverse(f"admin:{action.url_name}", args=[order.pk])


def document_url(order: Order, kind: str) -> str:
    return reverse(f"admin:checkout_order_{kind}", args=[order.pk])


def act(client, order: Order, slug: str, data=None):
    """Press ``slug``'s button on the confirmation page (a POST), without following the redirect."""
    return client.post(action_url(order, slug), data or {})


def move(order: Order, to: str, *, actor) -> Order:
    """Move ``order`` on with the services, as the seller would have before the test."""
    from checkout import services

    if to == OrderStatus.PAID:
        return services.confirm_transfer(order=order, actor=actor)
    if to == OrderStatus.SHIPPED:
        return services.mark_shipped(order=order, actor=actor, carrier="JNE", tracking_number="JNE0001")
    if to == OrderStatus.DELIVERED:
        return services.mark_delivered(order=order, actor=actor)
    raise AssertionError(to)


# --- What a seller sees -----------------------------------------------------------------


def test_a_seller_sees_only_their_stores_orders(seller_a, shop_a, shop_b, buyer):
    # given
    own = order_for(buyer, shop_a)
    other = order_for(buyer, shop_b)
    # when
    response = seller_a.get(admin_url(Order, "changelist"))
    # then
    assert response.status_code == 200
    assert [order.number for order in response.context["cl"].result_list] == [own.number]
    html = response.content.decode()
    assert other.number not in html
    assert format_money(own.total) in html
    assert "sari@example.com" in html
    assert "Awaiting payment" in html and "Bank transfer" in html
    # no store column or store filter (it would list every store's name)
    assert "column-store" not in html and "store__id__exact" not in html


def test_searching_and_filtering_never_reach_another_store(seller_a, shop_a, shop_b, buyer):
    # given
    own = order_for(buyer, shop_a)
    other = order_for(UserFactory(email="other@example.com"), shop_b)
    url = admin_url(Order, "changelist")
    # when / then
    assert seller_a.get(url, {"q": own.number}).context["cl"].result_count == 1
    assert seller_a.get(url, {"q": "sari@example"}).context["cl"].result_count == 1
    assert seller_a.get(url, {"q": "Ani Wijaya"}).context["cl"].result_count == 1  # the recipient
    assert seller_a.get(url, {"q": other.number}).context["cl"].result_count == 0
    assert seller_a.get(url, {"q": "other@example.com"}).context["cl"].result_count == 0
    by_status = seller_a.get(url, {"status__exact": OrderStatus.PENDING_PAYMENT})
    assert [order.pk for order in by_status.context["cl"].result_list] == [own.pk]


def test_a_superuser_sees_every_stores_orders_with_a_store_column(superuser_client, shop_a, shop_b, buyer):
    # given
    order_for(buyer, shop_a)
    order_for(buyer, shop_b)
    # when
    response = superuser_client.get(admin_url(Order, "changelist"))
    # then
    assert response.context["cl"].result_count == 2
    html = response.content.decode()
    assert "column-store" in html and "store__id__exact" in html
    assert "Galeri Tenun Budi" in html and "Warung Kopi Ayu" in html


def test_the_order_list_costs_the_same_queries_for_more_orders(seller_a, shop_a, buyer):
    # given
    url = admin_url(Order, "changelist")
    order_for(buyer, shop_a, quantity=1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert seller_a.get(url).status_code == 200
        return len(captured)

    before = queries()
    # when
    for _ in range(3):
        order_for(UserFactory(), shop_a, quantity=1)
    # then
    assert queries() == before


@pytest.mark.parametrize("view", ["change", "history"])
def test_another_stores_order_page_answers_404(seller_a, shop_b, buyer, view):
    other = order_for(buyer, shop_b)
    assert seller_a.get(admin_url(Order, view, other.pk)).status_code == 404


@pytest.mark.parametrize("slug", ACTION_SLUGS)
def test_another_stores_order_buttons_answer_404_and_change_nothing(seller_a, shop_b, buyer, slug):
    # given a paid order of another store
    other = move(order_for(buyer, shop_b), OrderStatus.PAID, actor=shop_b.owner)
    # when
    got = seller_a.get(action_url(other, slug))
    posted = seller_a.post(action_url(other, slug), {"carrier": "JNE", "tracking_number": "X1", "note": "mine"})
    # then
    assert (got.status_code, posted.status_code) == (404, 404)
    other.refresh_from_db()
    assert other.status == OrderStatus.PAID and other.carrier == ""
    assert other.events.count() == 2


@pytest.mark.parametrize("kind", ["packing_slip", "invoice"])
def test_another_stores_documents_answer_404(seller_a, shop_b, buyer, kind):
    other = order_for(buyer, shop_b)
    assert seller_a.get(document_url(other, kind)).status_code == 404


def test_a_seller_without_a_store_sees_no_orders(client, shop_a, buyer):
    # given a staff seller whose store is gone... or never was
    order = order_for(buyer, shop_a)
    client.force_login(SellerFactory())
    # when / then
    assert client.get(admin_url(Order, "changelist")).context["cl"].result_count == 0
    assert client.get(admin_url(Order, "change", order.pk)).status_code == 404
    assert client.post(action_url(order, "cancel")).status_code == 404


def test_the_order_page_shows_lines_address_amounts_timeline_and_the_buttons_that_apply(seller_a, shop_a, buyer):
    # given an unpaid bank transfer
    order = order_for(buyer, shop_a, quantity=2)
    # when
    response = seller_a.get(admin_url(Order, "change", order.pk))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "KOPI-1" in html and shop_a.variant.product.title in html
    assert format_money(15_000_000) in html and format_money(30_000_000) in html  # unit price, line total
    assert format_money(order.total) in html and format_money(order.unique_code) in html
    assert "Jl. Kemang Raya No. 8" in html and "12730" in html
    assert "BCA 1234567890" in html
    assert "The buyer has not uploaded a proof of transfer." in html
    assert "Awaiting payment" in html  # the timeline's first step
    # the buttons: what can happen to an unpaid transfer now
    assert action_url(order, "confirm-transfer") in html
    assert action_url(order, "cancel") in html
    for slug in ("ship", "deliver", "refuse", "refund"):
        assert action_url(order, slug) not in html
    assert document_url(order, "packing_slip") in html and document_url(order, "invoice") in html
    # read only: nothing to save, nothing to delete
    assert 'name="_save"' not in html and "deletelink" not in html.split('class="submit-row order-actions"')[0]
    assert admin_url(Order, "delete", order.pk) not in html


def test_the_order_page_shows_the_proof_of_transfer(seller_a, shop_a, buyer):
    # given
    from shop.images import verify_image
    from tests.factories import image_file

    order = order_for(buyer, shop_a)
    order.transfer_proof = verify_image(image_file("proof.jpg"))
    order.save(update_fields=["transfer_proof"])
    # when
    html = seller_a.get(admin_url(Order, "change", order.pk)).content.decode()
    # then
    # (through the view that checks who asks: the file is private, tests/checkout/test_private_uploads.py)
    assert f'<img src="/orders/{order.number}/transfer-proof/image/"' in html


def test_the_order_page_cannot_be_saved(seller_a, shop_a, buyer):
    # given
    order = order_for(buyer, shop_a)
    page = seller_a.get(admin_url(Order, "change", order.pk))
    # when
    response = seller_a.post(admin_url(Order, "change", order.pk), {**form_data(page), "status": OrderStatus.PAID})
    # then
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_orders_are_never_added_or_deleted_in_the_admin(seller_a, superuser_client, shop_a, buyer):
    order = order_for(buyer, shop_a)
    assert seller_a.get(admin_url(Order, "add")).status_code == 403
    assert seller_a.post(admin_url(Order, "delete", order.pk), {"post": "yes"}).status_code == 403
    response = seller_a.post(
        admin_url(Order, "changelist"), {"action": "delete_selected", "_selected_action": [order.pk], "post": "yes"}
    )
    assert Order.objects.filter(pk=order.pk).exists()
    assert response.status_code in (200, 302)


# --- Buttons ------------------------------------------------------------------------------


def test_a_seller_confirms_a_transfer_after_a_confirmation_page(seller_a, shop_a, buyer):
    # given
    order = order_for(buyer, shop_a)
    # when the seller opens the button's page
    page = seller_a.get(action_url(order, "confirm-transfer"))
    # then it asks, and nothing has happened yet
    assert page.status_code == 200
    assert f"Has the transfer for order {order.number} arrived in your account?" in page.content.decode()
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    # when they confirm
    response = act(seller_a, order, "confirm-transfer", {"note": "Masuk ke BCA"})
    # then
    assert response.status_code == 302 and response.url == admin_url(Order, "change", order.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    event = order.events.last()
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.PAID,
        shop_a.owner,
        "Masuk ke BCA",
    )
    assert messages_of(response) == [f"The transfer for order {order.number} is confirmed: the order is paid."]


def test_the_buttons_need_a_csrf_token(shop_a, buyer):
    from django.test import Client

    # given
    order = order_for(buyer, shop_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(shop_a.owner)
    # when
    response = client.post(action_url(order, "confirm-transfer"))
    # then
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_shipping_needs_a_tracking_number_and_changes_nothing_without_one(seller_a, shop_a, buyer):
    # given a paid order
    order = move(order_for(buyer, shop_a), OrderStatus.PAID, actor=shop_a.owner)
    # when
    response = act(seller_a, order, "ship", {"carrier": "JNE", "tracking_number": "   "})
    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {"tracking_number": ["This field is required."]}
    assert "This field is required." in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == (OrderStatus.PAID, "", "")
    assert order.events.count() == 2


def test_a_seller_marks_an_order_shipped_with_its_tracking_number(seller_a, shop_a, buyer):
    # given
    order = move(order_for(buyer, shop_a), OrderStatus.PAID, actor=shop_a.owner)
    page = seller_a.get(action_url(order, "ship"))
    assert 'name="tracking_number"' in page.content.decode() and "SiCepat" in page.content.decode()
    # when
    response = act(seller_a, order, "ship", {"carrier": " SiCepat ", "tracking_number": "SCP123456789"})
    # then
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == (OrderStatus.SHIPPED, "SiCepat", "SCP123456789")
    assert order.shipped_at is not None
    assert messages_of(response) == [f"Order {order.number} is marked shipped."]


def test_a_cash_on_delivery_order_ships_unpaid_and_is_paid_when_delivered(seller_a, shop_a, buyer):
    # given
    order = order_for(buyer, shop_a, method="cod")
    html = seller_a.get(admin_url(Order, "change", order.pk)).content.decode()
    assert action_url(order, "ship") in html and action_url(order, "confirm-transfer") not in html
    # when
    act(seller_a, order, "ship", {"carrier": "JNE", "tracking_number": "JNE777"})
    response = act(seller_a, order, "deliver")
    # then
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.delivered_at is not None and order.paid_at is not None
    assert messages_of(response)[-1] == f"Order {order.number} is marked delivered."


def test_refused_on_delivery_puts_the_units_back_on_sale(seller_a, shop_a, buyer):
    # given a cash on delivery parcel on its way
    order = order_for(buyer, shop_a, quantity=3, method="cod")
    act(seller_a, order, "ship", {"carrier": "JNE", "tracking_number": "JNE778"})
    assert stock_of(shop_a) == 7
    html = seller_a.get(admin_url(Order, "change", order.pk)).content.decode()
    assert action_url(order, "refuse") in html and action_url(order, "deliver") in html
    # when
    response = act(seller_a, order, "refuse", {"note": "Tidak ada di rumah"})
    # then
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUSED and order.closed_at is not None
    assert stock_of(shop_a) == 10


def test_cancelling_an_unpaid_order_puts_the_units_back_on_sale(seller_a, shop_a, buyer):
    # given
    order = order_for(buyer, shop_a, quantity=4)
    assert stock_of(shop_a) == 6
    # when
    response = act(seller_a, order, "cancel", {"note": "Stok habis di gudang"})
    # then
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert stock_of(shop_a) == 10
    assert order.events.last().note == "Stok habis di gudang"


def test_an_illegal_move_shows_a_message_and_changes_nothing(seller_a, shop_a, buyer):
    # given an unpaid order (it cannot be delivered, refunded or refused)
    order = order_for(buyer, shop_a, quantity=2)
    for slug in ("deliver", "refund", "refuse"):
        # when
        response = act(seller_a, order, slug)
        # then
        assert response.status_code == 302 and response.url == admin_url(Order, "change", order.pk)
        assert messages_of(response), slug
        order.refresh_from_db()
        assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.events.count() == 1
    assert stock_of(shop_a) == 8
    followed = seller_a.post(action_url(order, "deliver"), follow=True)
    assert "An order that is awaiting payment cannot become delivered." in followed.content.decode()


def test_confirming_a_cash_order_as_a_transfer_is_refused_with_a_message(seller_a, shop_a, buyer):
    order = order_for(buyer, shop_a, method="cod")
    response = act(seller_a, order, "confirm-transfer")
    assert messages_of(response) == ["Only bank transfers are confirmed by hand."]
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_a_button_that_no_longer_applies_takes_the_seller_back_to_the_order(seller_a, shop_a, buyer):
    # given an order already cancelled (in another tab, or by the buyer)
    order = order_for(buyer, shop_a)
    act(seller_a, order, "cancel")
    # when
    response = seller_a.get(action_url(order, "confirm-transfer"))
    # then
    assert response.status_code == 302 and response.url == admin_url(Order, "change", order.pk)
    assert messages_of(response)[-1] == (
        f"Order {order.number} is cancelled: “Confirm transfer received” does not apply to it now."
    )


def test_refunding_a_bank_transfer_records_it_and_restocks_what_was_not_shipped(seller_a, shop_a, buyer, monkeypatch):
    # given a paid transfer, and a spy on the payments entry point
    order = move(order_for(buyer, shop_a, quantity=2), OrderStatus.PAID, actor=shop_a.owner)
    calls = []
    real_refund = payments.refund_order

    def spy(**kwargs):
        calls.append(kwargs["order"].pk)
        return real_refund(**kwargs)

    monkeypatch.setattr(payments, "refund_order", spy)
    page = seller_a.get(action_url(order, "refund"))
    assert "whole total back yourself first" in page.content.decode()
    # when
    response = act(seller_a, order, "refund", {"note": "Transfer balik"})
    # then
    assert response.status_code == 302 and calls == [order.pk]
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.refunded_amount == order.total
    assert stock_of(shop_a) == 10
    assert messages_of(response) == [f"Order {order.number} is refunded."]


def test_refunding_a_delivered_cash_order_keeps_the_stock(seller_a, shop_a, buyer):
    # given
    order = order_for(buyer, shop_a, quantity=2, method="cod")
    move(move(order, OrderStatus.SHIPPED, actor=shop_a.owner), OrderStatus.DELIVERED, actor=shop_a.owner)
    # when
    act(seller_a, order, "refund")
    # then
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.refunded_amount == order.total
    assert stock_of(shop_a) == 8  # the parcel went out


def card_order(buyer, shop: Shop) -> Order:
    """A paid card order (placed as a transfer, then turned into what the webhook leaves)."""
    order = order_for(buyer, shop)
    Order.objects.filter(pk=order.pk).update(
        payment_method="card", unique_code=0, total=order.total - order.unique_code
    )
    Payment.objects.filter(pk=order.payment_id).update(method="card", status=Payment.Status.SUCCEEDED)
    order.refresh_from_db()
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PAID, paid_at=timezone.now())
    order.refresh_from_db()
    return order


def fake_stripe(monkeypatch, refund):
    module = types.ModuleType("checkout.payments.stripe")
    module.refund = refund
    monkeypatch.setitem(sys.modules, "checkout.payments.stripe", module)
    monkeypatch.setattr(payments, "stripe", module, raising=False)


def test_refunding_a_card_order_goes_through_the_payment_provider(seller_a, shop_a, buyer, monkeypatch):
    # given
    order = card_order(buyer, shop_a)
    refunded = []
    fake_stripe(monkeypatch, lambda *, order: refunded.append(order.pk))
    # when
    response = act(seller_a, order, "refund")
    # then
    assert response.status_code == 302 and refunded == [order.pk]
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED


def test_a_failed_card_refund_is_a_message_not_an_error_page(seller_a, shop_a, buyer, monkeypatch):
    # given a payment provider that cannot be reached
    order = card_order(buyer, shop_a)

    def unreachable(*, order):
        raise ConnectionError("no route to api.stripe.com")

    fake_stripe(monkeypatch, unreachable)
    # when
    response = act(seller_a, order, "refund")
    # then
    assert response.status_code == 302
    assert messages_of(response) == [
        "The card payment could not be refunded just now, so nothing was changed. Please try again later."
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.refunded_amount == 0


def test_a_superuser_acts_on_any_stores_order(superuser_client, shop_b, buyer):
    order = order_for(buyer, shop_b)
    response = act(superuser_client, order, "confirm-transfer")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


# --- Bulk actions -------------------------------------------------------------------------


def bulk(client, action: str, *orders):
    return client.post(
        admin_url(Order, "changelist"), {"action": action, "_selected_action": [order.pk for order in orders]}
    )


def test_bulk_confirming_transfers_says_what_happened_to_each_order(seller_a, shop_a, shop_b, buyer):
    # given two unpaid transfers, one already paid, one cash order, and another store's order slipped in
    first, second = order_for(buyer, shop_a, quantity=1), order_for(UserFactory(), shop_a, quantity=1)
    paid = move(order_for(UserFactory(), shop_a, quantity=1), OrderStatus.PAID, actor=shop_a.owner)
    cash = order_for(UserFactory(), shop_a, quantity=1, method="cod")
    other = order_for(buyer, shop_b, quantity=1)
    # when
    response = bulk(seller_a, "confirm_transfers", first, second, paid, cash, other)
    # then
    assert response.status_code == 302
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == OrderStatus.PAID
    assert statuses[cash.pk] == statuses[other.pk] == OrderStatus.PENDING_PAYMENT
    assert messages_of(response) == [
        f"The transfer for order {first.number} is confirmed: the order is paid.",
        f"The transfer for order {second.number} is confirmed: the order is paid.",
        f"Order {paid.number} was not changed: An order that is paid cannot become paid.",
        f"Order {cash.number} was not changed: Only bank transfers are confirmed by hand.",
    ]


def test_bulk_marking_delivered_moves_only_shipped_orders(seller_a, shop_a, buyer):
    # given
    shipped = move(
        move(order_for(buyer, shop_a, quantity=1), OrderStatus.PAID, actor=shop_a.owner),
        OrderStatus.SHIPPED,
        actor=shop_a.owner,
    )
    unpaid = order_for(UserFactory(), shop_a, quantity=1)
    # when
    response = bulk(seller_a, "mark_delivered", shipped, unpaid)
    # then
    shipped.refresh_from_db()
    unpaid.refresh_from_db()
    assert (shipped.status, unpaid.status) == (OrderStatus.DELIVERED, OrderStatus.PENDING_PAYMENT)
    assert messages_of(response) == [
        f"Order {shipped.number} is marked delivered.",
        f"Order {unpaid.number} was not changed: An order that is awaiting payment cannot become delivered.",
    ]
    assert OrderEvent.objects.filter(order=unpaid).count() == 1


# --- Packing slip and invoice -------------------------------------------------------------


def two_line_order(buyer, shop: Shop) -> Order:
    second = buyable_variant(store=shop.store, price=4_250_000, stock=5, sku="KOPI-250G", options={"Size": "250 g"})
    (order,) = place(buyer, (shop.variant, 2), (second, 3)).orders
    return order


def test_the_packing_slip_lists_what_to_pack_and_where_it_goes(seller_a, shop_a, buyer):
    # given
    order = two_line_order(buyer, shop_a)
    # when
    response = seller_a.get(document_url(order, "packing_slip"))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Packing slip" in html and order.number in html and "Warung Kopi Ayu" in html
    assert "Ani Wijaya" in html and "Jl. Kemang Raya No. 8" in html and "DKI Jakarta 12730" in html
    lines = [(line.sku, line.quantity) for line in response.context["lines"]]
    assert lines == [("KOPI-1", 2), ("KOPI-250G", 3)]
    assert '<td class="sku">KOPI-250G</td>' in html and '<td class="amount quantity">3</td>' in html
    assert format_money(order.total) not in html  # no prices on what goes in the box
    assert "data-print" in html and "js/order-print.js" in html and "onclick" not in html


def test_the_invoice_adds_prices_and_totals(seller_a, shop_a, buyer):
    # given
    order = two_line_order(buyer, shop_a)
    move(order, OrderStatus.PAID, actor=shop_a.owner)
    # when
    response = seller_a.get(document_url(order, "invoice"))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Invoice" in html and order.number in html
    assert order.subtotal == 2 * 15_000_000 + 3 * 4_250_000
    for amount in (15_000_000, 30_000_000, 4_250_000, 12_750_000, order.subtotal, order.shipping, order.total):
        assert format_money(amount) in html, amount
    assert format_money(order.unique_code) in html
    assert "Bank transfer" in html and '<dd class="status">Paid</dd>' in html
    assert "Paid by transfer to BCA 1234567890" in html
    assert "sari@example.com" in html


def test_the_invoice_shows_the_discount_and_the_cash_fee(seller_a, shop_a, buyer):
    # given a Rp10.000 code and a cash on delivery order
    DiscountCodeFactory(code="HEMAT10K", store=shop_a.store, kind="fixed", value=1_000_000)
    order = order_for(buyer, shop_a, quantity=1, method="cod", code="HEMAT10K")
    # when
    html = seller_a.get(document_url(order, "invoice")).content.decode()
    # then
    assert order.discount == 1_000_000 and order.cod_fee == 500_000
    assert f"−{format_money(1_000_000)}" in html and "(HEMAT10K)" in html
    assert "Cash on delivery fee" in html and format_money(500_000) in html
    assert format_money(order.total) in html and "Cash on delivery" in html


# --- Shipping and payment settings ------------------------------------------------------


SETTINGS_FORM = {
    "shipping_flat_rate": "18000",
    "free_shipping_threshold": "300000",
    "bank_name": "Mandiri",
    "bank_account_number": "123-000-456",
    "bank_account_holder": "Ayu Lestari",
    "cod_enabled": "on",
    "cod_fee": "5000",
    "cod_max_order": "",
}


@pytest.fixture
def new_seller(client, shop_b):
    """A seller whose store has no settings yet."""
    owner = SellerFactory(username="citra")
    store = StoreFactory(owner=owner, name="Batik Citra")
    client.force_login(owner)
    return client, store


def test_a_seller_without_settings_goes_to_the_add_form_without_a_store_choice(new_seller):
    client, _store = new_seller
    response = client.get(admin_url(StoreCheckoutSettings, "changelist"))
    assert response.status_code == 302 and response.url == admin_url(StoreCheckoutSettings, "add")
    form = client.get(response.url).context["adminform"].form
    assert "store" not in form.fields


def test_a_seller_adds_settings_for_their_own_store_whatever_store_they_post(new_seller, shop_b):
    # given
    client, store = new_seller
    # when
    response = client.post(admin_url(StoreCheckoutSettings, "add"), {**SETTINGS_FORM, "store": shop_b.store.pk})
    # then
    assert response.status_code == 302
    settings = StoreCheckoutSettings.objects.get(store=store)
    assert settings.shipping_flat_rate == 1_800_000  # rupiah typed, sen stored
    assert settings.free_shipping_threshold == 30_000_000
    assert settings.cod_fee == 500_000 and settings.cod_max_order is None
    assert settings.accepts_bank_transfer
    other = StoreCheckoutSettings.objects.get(store=shop_b.store)
    assert other.bank_name == "BCA"  # untouched


def test_a_seller_with_settings_edits_them_and_cannot_add_another(seller_a, shop_a):
    # given
    url = admin_url(StoreCheckoutSettings, "change", shop_a.store.pk)
    response = seller_a.get(admin_url(StoreCheckoutSettings, "changelist"))
    assert response.status_code == 302 and response.url == url
    assert seller_a.get(admin_url(StoreCheckoutSettings, "add")).status_code == 403
    page = seller_a.get(url)
    assert page.context["adminform"].form["shipping_flat_rate"].value() == 20_000  # shown in rupiah
    assert 'value="20000"' in page.content.decode()
    # when
    response = seller_a.post(url, {**form_data(page), "shipping_flat_rate": "25000", "cod_enabled": ""})
    # then
    assert response.status_code == 302
    settings = StoreCheckoutSettings.objects.get(store=shop_a.store)
    assert settings.shipping_flat_rate == 2_500_000 and not settings.cod_enabled


def test_half_a_bank_account_is_refused(seller_a, shop_a):
    url = admin_url(StoreCheckoutSettings, "change", shop_a.store.pk)
    page = seller_a.get(url)
    response = seller_a.post(url, {**form_data(page), "bank_account_number": "", "bank_account_holder": ""})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"bank_account_number", "bank_account_holder"}
    assert StoreCheckoutSettings.objects.get(store=shop_a.store).bank_account_number == "1234567890"


def test_another_stores_settings_answer_404(seller_a, shop_b):
    url = admin_url(StoreCheckoutSettings, "change", shop_b.store.pk)
    assert seller_a.get(url).status_code == 404
    assert seller_a.post(url, {**SETTINGS_FORM}).status_code == 404
    assert StoreCheckoutSettings.objects.get(store=shop_b.store).shipping_flat_rate == 2_000_000


def test_a_superuser_chooses_the_store_of_new_settings(superuser_client):
    # given
    store = StoreFactory(name="Keramik Dewi")
    # when
    response = superuser_client.post(admin_url(StoreCheckoutSettings, "add"), {**SETTINGS_FORM, "store": store.pk})
    # then
    assert response.status_code == 302
    assert StoreCheckoutSettings.objects.get(store=store).bank_name == "Mandiri"
    listing = superuser_client.get(admin_url(StoreCheckoutSettings, "changelist"))
    assert listing.context["cl"].result_count == 3


# --- Discount codes -----------------------------------------------------------------------


def discount_form(**overrides) -> dict:
    data = {
        "code": "KOPIPAGI",
        "kind": "percentage",
        "value": "15",
        "min_spend": "100000",
        "starts_at_0": "2030-01-01",
        "starts_at_1": "00:00:00",
        "ends_at_0": "2030-02-01",
        "ends_at_1": "00:00:00",
        "usage_limit": "100",
        "per_user_limit": "1",
        "is_active": "on",
    }
    return {**data, **overrides}


def test_a_seller_sees_only_their_stores_discount_codes(seller_a, shop_a, shop_b):
    # given
    DiscountCodeFactory(code="AYU10", store=shop_a.store)
    budi = DiscountCodeFactory(code="BUDI10", store=shop_b.store)
    DiscountCodeFactory(code="SITEWIDE", store=None)
    # when
    response = seller_a.get(admin_url(DiscountCode, "changelist"))
    # then
    assert [code.code for code in response.context["cl"].result_list] == ["AYU10"]
    assert seller_a.get(admin_url(DiscountCode, "change", budi.pk)).status_code == 404
    assert seller_a.post(admin_url(DiscountCode, "delete", budi.pk), {"post": "yes"}).status_code == 404
    assert DiscountCode.objects.filter(pk=budi.pk).exists()


def test_a_seller_adds_a_code_for_their_own_store_whatever_store_they_post(seller_a, shop_a, shop_b):
    # when
    response = seller_a.post(
        admin_url(DiscountCode, "add"), discount_form(store=shop_b.store.pk, kind="fixed", value="25000")
    )
    # then
    assert response.status_code == 302
    code = DiscountCode.objects.get(code="KOPIPAGI")
    assert code.store == shop_a.store
    assert code.value == 2_500_000 and code.min_spend == 10_000_000  # rupiah typed, sen stored
    assert code.times_used == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"value": "150"}, "value", "A percentage is a whole number from 1 to 100."),
        ({"value": "0"}, "value", "A percentage is a whole number from 1 to 100."),
        ({"value": "12.5"}, "value", "A percentage is a whole number from 1 to 100."),
        ({"kind": "fixed", "value": "0"}, "value", "A fixed discount must be more than zero."),
        ({"ends_at_0": "2029-12-31"}, "ends_at", "The code must end after it starts."),
        ({"code": "kopi pagi"}, "code", "Use letters, digits, - and _ only."),
    ],
)
def test_a_discount_code_that_breaks_a_rule_is_refused_with_a_clear_message(seller_a, overrides, field, message):
    # when
    response = seller_a.post(admin_url(DiscountCode, "add"), discount_form(**overrides))
    # then
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {field: [message]}
    assert "is violated" not in response.content.decode()
    assert not DiscountCode.objects.exists()


def test_a_code_already_used_anywhere_is_refused_whatever_its_case(seller_a, shop_b):
    DiscountCodeFactory(code="KopiPagi", store=shop_b.store)
    response = seller_a.post(admin_url(DiscountCode, "add"), discount_form(code="KOPIPAGI"))
    assert response.context["adminform"].form.errors == {
        "code": ["The code KOPIPAGI is already in use on Etalase. Choose another."]
    }
    assert DiscountCode.objects.count() == 1


def test_editing_a_code_keeps_the_uses_counted_meanwhile(seller_a, shop_a):
    # given a fixed code shown in rupiah, and a checkout that uses it while the seller edits
    code = DiscountCodeFactory(code="AYU10", store=shop_a.store, kind="fixed", value=1_000_000, usage_limit=50)
    page = seller_a.get(admin_url(DiscountCode, "change", code.pk))
    assert page.context["adminform"].form["value"].value() == 10000
    DiscountCode.objects.filter(pk=code.pk).update(times_used=7)
    # when
    response = seller_a.post(admin_url(DiscountCode, "change", code.pk), {**form_data(page), "usage_limit": "60"})
    # then
    assert response.status_code == 302
    code.refresh_from_db()
    assert (code.usage_limit, code.times_used, code.value) == (60, 7, 1_000_000)


def test_the_usage_limit_cannot_go_below_the_uses_so_far(seller_a, shop_a):
    code = DiscountCodeFactory(code="AYU10", store=shop_a.store, usage_limit=50)
    DiscountCode.objects.filter(pk=code.pk).update(times_used=7)
    page = seller_a.get(admin_url(DiscountCode, "change", code.pk))
    response = seller_a.post(admin_url(DiscountCode, "change", code.pk), {**form_data(page), "usage_limit": "5"})
    assert response.context["adminform"].form.errors == {
        "usage_limit": ["This code was already used 7 times: the limit cannot be lower."]
    }
    assert "times_used" not in response.context["adminform"].form.fields  # read only


def test_a_superuser_adds_a_site_wide_code(superuser_client):
    response = superuser_client.post(admin_url(DiscountCode, "add"), discount_form(store=""))
    assert response.status_code == 302
    assert DiscountCode.objects.get(code="KOPIPAGI").store is None
    listing = superuser_client.get(admin_url(DiscountCode, "changelist")).content.decode()
    assert "Site-wide" in listing


# --- What sellers never see ---------------------------------------------------------------


@pytest.mark.parametrize("model", [Payment, StripeEvent, Cart, Address])
def test_sellers_never_see_payments_stripe_events_carts_or_address_books(seller_a, shop_a, buyer, model):
    # given one row of each
    order = order_for(buyer, shop_a)
    checkout_cart(buyer, (shop_a.variant, 1))
    event = StripeEvent.objects.create(event_id="evt_1", type="payment_intent.succeeded", payload={})
    rows = {
        Payment: order.payment,
        StripeEvent: event,
        Cart: Cart.objects.get(user=buyer),
        Address: buyer.addresses.get(),
    }
    # when / then
    assert seller_a.get(admin_url(model, "changelist")).status_code == 403
    assert seller_a.get(admin_url(model, "change", rows[model].pk)).status_code == 403
    index = seller_a.get(reverse("admin:index")).content.decode()
    assert admin_url(model, "changelist") not in index


def test_the_seller_index_shows_orders_settings_and_discount_codes(seller_a):
    index = seller_a.get(reverse("admin:index")).content.decode()
    for model in (Order, StoreCheckoutSettings, DiscountCode):
        assert admin_url(model, "changelist") in index


def test_a_superuser_looks_at_payments_without_their_client_secret(superuser_client, shop_a, buyer):
    # given
    order = order_for(buyer, shop_a)
    Payment.objects.filter(pk=order.payment_id).update(stripe_client_secret="pi_123_secret_abc")
    # when
    response = superuser_client.get(admin_url(Payment, "change", order.payment_id))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert order.number in html and "pi_123_secret_abc" not in html
    assert 'name="_save"' not in html
    for model in (StripeEvent, Cart, Address):
        assert superuser_client.get(admin_url(model, "changelist")).status_code == 200


def test_orders_expire_by_themselves_not_from_the_admin(seller_a, shop_a, buyer):
    # an expired order offers no button at all
    order = order_for(buyer, shop_a)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    from checkout import services

    services.expire_unpaid_orders()
    response = seller_a.get(admin_url(Order, "change", order.pk))
    assert response.context["order_buttons"] == []
