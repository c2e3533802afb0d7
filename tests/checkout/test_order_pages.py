"""The shopper's order pages: the thank-you page, the list, one order (only for its buyer,
its store's owner and superusers), and what the buyer can do: cancel, confirm receipt,
upload a proof of transfer."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from checkout import services
from checkout.models import Order, OrderEvent, OrderStatus
from tests.factories import UserFactory, buyable_variant, image_file, place

pytestmark = pytest.mark.django_db


def placed_order(method="bank_transfer", price=15_000_000, quantity=1, stock=10, buyer=None):
    """One order placed through the real service; returns it with its variant."""
    buyer = buyer or UserFactory()
    variant = buyable_variant(price=price, stock=stock)
    order = place(buyer, (variant, quantity), method=method).orders[0]
    return order, variant


def url(name: str, order: Order) -> str:
    return reverse(f"checkout:{name}", kwargs={"number": order.number})


# --- The thank-you page ----------------------------------------------------------------------


def test_the_placed_page_is_only_for_the_buyer(client):
    order, _variant = placed_order()
    placed_url = reverse("checkout:placed", kwargs={"payment_id": order.payment_id})
    client.force_login(UserFactory())
    assert client.get(placed_url).status_code == 404
    client.force_login(order.store.owner)
    assert client.get(placed_url).status_code == 404
    client.logout()
    response = client.get(placed_url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    client.force_login(order.buyer)
    assert client.get(placed_url).status_code == 200


def test_the_placed_page_gives_the_exact_transfer_amount_and_the_pay_by_time(client):
    # given an order of Rp150.000 + Rp20.000 shipping + a unique code
    order, _variant = placed_order(price=15_000_000)
    client.force_login(order.buyer)
    # when
    html = client.get(reverse("checkout:placed", kwargs={"payment_id": order.payment_id})).content.decode()
    # then the amount is the total with the code's digits highlighted
    rupiah = order.total // 100
    assert rupiah == 170_000 + order.unique_code // 100
    assert f"IDR{rupiah // 1000},<mark>{rupiah % 1000:03d}</mark>" in html
    assert order.number in html and order.store.name in html
    assert f"unique code of IDR{order.unique_code // 100}" in html
    assert "Pay by" in html and f'datetime="{timezone.localtime(order.expires_at).isoformat()}"' in html
    assert 'enctype="multipart/form-data"' in html
    assert reverse("checkout:order_transfer_proof", kwargs={"number": order.number}) in html


# --- The list --------------------------------------------------------------------------------


def test_the_order_list_shows_the_buyers_orders_newest_first_with_status(client):
    buyer = UserFactory()
    older, _ = placed_order(buyer=buyer)
    newer, _ = placed_order(buyer=buyer, method="cod")
    Order.objects.filter(pk=older.pk).update(placed_at=timezone.now() - timedelta(days=2))
    someone_elses, _ = placed_order()
    client.force_login(buyer)
    response = client.get(reverse("checkout:order_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert [order.pk for order in response.context["orders"]] == [newer.pk, older.pk]
    assert html.index(newer.number) < html.index(older.number)
    assert someone_elses.number not in html
    assert 'class="order-status order-status--pending_payment">Awaiting payment' in html


def test_the_order_list_is_paginated(client):
    buyer = UserFactory()
    variant = buyable_variant(stock=50)
    for _ in range(21):
        place(buyer, (variant, 1))
    client.force_login(buyer)
    first = client.get(reverse("checkout:order_list"))
    second = client.get(reverse("checkout:order_list") + "?page=2")
    assert len(first.context["orders"]) == 20 and len(second.context["orders"]) == 1
    assert 'rel="next"' in first.content.decode()


def test_an_empty_order_list_says_so(client):
    client.force_login(UserFactory())
    assert "No orders yet." in client.get(reverse("checkout:order_list")).content.decode()


# --- One order -------------------------------------------------------------------------------


def test_an_order_is_visible_to_its_buyer_its_seller_and_superusers_only(client):
    order, _variant = placed_order()
    detail = url("order_detail", order)
    for viewer, status in [
        (order.buyer, 200),
        (order.store.owner, 200),
        (UserFactory(is_superuser=True, is_staff=True), 200),
        (UserFactory(), 404),
        (UserFactory(is_staff=True), 404),  # another seller
    ]:
        client.force_login(viewer)
        assert client.get(detail).status_code == status, viewer
    client.logout()
    response = client.get(detail)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={detail}"


def test_an_unknown_order_number_is_a_404(client):
    client.force_login(UserFactory())
    assert client.get(reverse("checkout:order_detail", kwargs={"number": "ET000000-XXXXXX"})).status_code == 404


def test_the_order_page_shows_lines_amounts_address_and_a_timeline(client):
    order, variant = placed_order(quantity=2)
    client.force_login(order.buyer)
    html = client.get(url("order_detail", order)).content.decode()
    assert variant.product.title in html and "2 × IDR150,000" in html
    assert "IDR300,000" in html  # the line total
    assert order.ship_street in html and order.ship_postal_code in html
    assert "Bank transfer" in html and "How to pay" in html
    assert "Awaiting payment" in html and "You ·" in html  # the buyer placed it
    assert "Cancel order" in html


def _payment_line(response) -> str:
    """The text of the order page's "Payment" section's first line."""
    html = response.content.decode()
    section = html[html.index('id="order-payment-title"') :]
    line = section[section.index("<p>") + 3 : section.index("</p>")]
    return " ".join(re.sub(r"<[^>]+>", " ", line).split())


def test_the_payment_line_shows_the_payments_state_not_the_orders(client):
    # given a bank transfer confirmed and shipped
    order, _variant = placed_order()
    client.force_login(order.buyer)
    assert _payment_line(client.get(url("order_detail", order))) == "Bank transfer · Awaiting payment"
    services.confirm_transfer(order=order, actor=order.store.owner)
    services.mark_shipped(order=order, actor=order.store.owner, carrier="JNE", tracking_number="JNE1")
    # when the buyer opens it
    line = _payment_line(client.get(url("order_detail", order)))
    # then the payment is paid (the order is shipped, which the page says elsewhere)
    assert line == "Bank transfer · Paid" and "Shipped" not in line


def test_a_shipped_cash_on_delivery_order_is_not_paid_yet_and_a_cancelled_one_never_was(client):
    cod, _variant = placed_order(method="cod")
    services.mark_shipped(order=cod, actor=cod.store.owner, carrier="JNE", tracking_number="JNE2")
    client.force_login(cod.buyer)
    assert _payment_line(client.get(url("order_detail", cod))) == "Cash on delivery · Due on delivery"
    cancelled, _variant = placed_order()
    services.cancel_order(order=cancelled, actor=cancelled.buyer)
    client.force_login(cancelled.buyer)
    assert _payment_line(client.get(url("order_detail", cancelled))) == "Bank transfer · Not paid"


def test_the_seller_sees_the_order_without_the_buyers_buttons(client):
    order, _variant = placed_order()
    client.force_login(order.store.owner)
    html = client.get(url("order_detail", order)).content.decode()
    assert order.number in html
    assert "Cancel order" not in html and 'name="image"' not in html


def test_shipped_orders_show_the_carrier_and_tracking_number_and_who_moved_them(client):
    order, _variant = placed_order()
    services.confirm_transfer(order=order, actor=order.store.owner)
    services.mark_shipped(order=order, actor=order.store.owner, carrier="JNE", tracking_number="JNE123456789")
    client.force_login(order.buyer)
    html = client.get(url("order_detail", order)).content.decode()
    assert "JNE" in html and "JNE123456789" in html
    assert html.count(f"{order.store.name} ·") >= 2  # the seller confirmed and shipped
    assert "How to pay" not in html and "Cancel order" not in html


def test_the_timeline_is_in_the_viewers_language(client):
    order, _variant = placed_order()
    jakarta = ZoneInfo("Asia/Jakarta")
    OrderEvent.objects.filter(order=order).update(created_at=datetime(2025, 1, 15, 14, 30, tzinfo=jakarta))
    client.force_login(order.buyer)
    english = client.get(url("order_detail", order), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    indonesian = client.get(url("order_detail", order), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Jan. 15, 2025, 2:30 p.m.</time>" in english
    assert "15 Jan. 2025, 14.30</time>" in indonesian


def test_a_pending_card_order_offers_pay_now(client, settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "sk_test_x", "pk_test_x"
    order, _variant = placed_order(method="card")
    client.force_login(order.buyer)
    html = client.get(url("order_detail", order)).content.decode()
    assert reverse("checkout:pay_card", kwargs={"payment_id": order.payment_id}) in html


# --- Cancel and confirm receipt ----------------------------------------------------------------


def test_the_buyer_cancels_an_unpaid_order_and_its_units_go_back(client):
    order, variant = placed_order(quantity=3, stock=5)
    variant.refresh_from_db()
    assert variant.stock == 2
    client.force_login(order.buyer)
    response = client.post(url("order_cancel", order))
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and variant.stock == 5
    html = client.get(order.get_absolute_url()).content.decode()
    assert "Your order is cancelled." in html and "Cancelled" in html


def test_someone_else_cannot_cancel_an_order(client):
    order, _variant = placed_order()
    client.force_login(UserFactory())
    assert client.post(url("order_cancel", order)).status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_a_paid_order_cannot_be_cancelled_by_the_buyer(client):
    order, _variant = placed_order()
    services.confirm_transfer(order=order, actor=order.store.owner)
    client.force_login(order.buyer)
    response = client.post(url("order_cancel", order))
    assert response.status_code == 400
    assert "cannot become cancelled" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_cancelling_anonymously_goes_to_log_in_and_back_to_the_order(client):
    order, _variant = placed_order()
    response = client.post(url("order_cancel", order))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={order.get_absolute_url()}"


def test_the_buyer_confirms_receipt_of_a_delivered_order(client):
    order, _variant = placed_order()
    seller = order.store.owner
    services.confirm_transfer(order=order, actor=seller)
    services.mark_shipped(order=order, actor=seller, carrier="SiCepat", tracking_number="SC1")
    services.mark_delivered(order=order, actor=seller)
    client.force_login(order.buyer)
    assert "I received it" in client.get(url("order_detail", order)).content.decode()
    response = client.post(url("order_confirm_receipt", order))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED and order.completed_at is not None


def test_confirming_receipt_before_delivery_is_a_400(client):
    order, _variant = placed_order()
    client.force_login(order.buyer)
    response = client.post(url("order_confirm_receipt", order))
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_the_seller_cannot_confirm_receipt_for_the_buyer(client):
    order, _variant = placed_order()
    seller = order.store.owner
    services.confirm_transfer(order=order, actor=seller)
    services.mark_shipped(order=order, actor=seller, carrier="JNE", tracking_number="1")
    services.mark_delivered(order=order, actor=seller)
    client.force_login(seller)
    assert client.post(url("order_confirm_receipt", order)).status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


# --- Proof of transfer ------------------------------------------------------------------------


def test_the_buyer_uploads_a_real_image_as_proof_of_transfer(client):
    order, _variant = placed_order()
    client.force_login(order.buyer)
    placed_url = reverse("checkout:placed", kwargs={"payment_id": order.payment_id})
    response = client.post(
        url("order_transfer_proof", order), {"image": image_file("bukti.png", "PNG"), "next": placed_url}
    )
    assert response.status_code == 302 and response["Location"] == placed_url
    order.refresh_from_db()
    assert order.transfer_proof.name.startswith("transfers/") and order.transfer_proof.name.endswith(".png")
    assert order.transfer_proof.name != "transfers/bukti.png"  # re-encoded under a new name
    client.force_login(order.store.owner)
    assert "See the proof of transfer" in client.get(order.get_absolute_url()).content.decode()


def test_a_text_file_named_jpg_is_refused(client):
    order, _variant = placed_order()
    client.force_login(order.buyer)
    fake = SimpleUploadedFile("bukti.jpg", b"not a picture at all", content_type="image/jpeg")
    response = client.post(url("order_transfer_proof", order), {"image": fake})
    assert response.status_code == 400
    assert "This file is not a JPEG, PNG or WebP image." in response.content.decode()
    order.refresh_from_db()
    assert not order.transfer_proof


def test_only_the_buyer_uploads_a_proof_and_only_for_a_pending_transfer(client):
    order, _variant = placed_order()
    client.force_login(order.store.owner)
    assert client.post(url("order_transfer_proof", order), {"image": image_file()}).status_code == 403
    client.force_login(UserFactory())
    assert client.post(url("order_transfer_proof", order), {"image": image_file()}).status_code == 404
    cod_order, _variant = placed_order(method="cod")
    client.force_login(cod_order.buyer)
    response = client.post(url("order_transfer_proof", cod_order), {"image": image_file()})
    assert response.status_code == 400
    assert "not paid by bank transfer" in response.content.decode()
    for refused in (order, cod_order):
        refused.refresh_from_db()
        assert not refused.transfer_proof
