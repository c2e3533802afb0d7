"""Order notifications: who hears of each move, the buyer's confirmation as an invoice (lines,
shipping, discount, fees, total, how to pay), the seller's new-order email, the recipient's
language, and transactional kinds that ignore preferences and carry no unsubscribe header.

Decisions these tests pin down (see checkout.notifications):
- one "order_placed" per checkout for the buyer, listing every order (one per store);
- the buyer is told of every move, their own cancellation included (a confirmation);
- the seller is told of the moves they did not make: a new order, a cancellation by the buyer
  or staff, a payment that arrived without them (card, or a transfer confirmed by staff);
- completing and a refused parcel notify nobody.

No gettext call with a literal in this file: makemessages scans tests/ too.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation

from checkout import services
from checkout.models import Order
from shop.models import Delivery, Notification, NotificationPreference
from shop.money import format_money
from shop.notifications import selectors
from shop.notifications import services as notification_services
from shop.notifications.emails import build_email
from tests.factories import DiscountCodeFactory, StoreFactory, UserFactory, buyable_variant, place

pytestmark = pytest.mark.django_db

ORDER_KINDS = {
    "order_placed",
    "new_order",
    "order_paid",
    "order_shipped",
    "order_delivered",
    "order_cancelled",
    "order_expired",
    "order_refunded",
}


def kinds_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True))


def latest(user, kind: str) -> Notification:
    return Notification.objects.filter(recipient=user, kind=kind).select_related("recipient", "actor").latest("id")


def emails_to(outbox, user) -> list:
    return [message for message in outbox if message.to == [user.email]]


def html_of(message) -> str:
    (content, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return content


def money(amount: int, language: str = "en") -> str:
    return format_money(amount, settings.SHOP_CURRENCY, language)


@pytest.fixture
def buyer():
    return UserFactory(first_name="Ani", last_name="Wijaya")


@pytest.fixture
def store():
    return StoreFactory(name="Batik Sekar Jagad")


@pytest.fixture
def variant(store):
    return buyable_variant(store=store, price=12_500_000, stock=20)


@pytest.fixture
def seller(store):
    return store.owner


@pytest.fixture
def card_payments(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_etalase"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_etalase"


def place_sending(capture, buyer, *lines, **kwargs):
    """Place through the service and run what happens on commit: the emails go out (eagerly)."""
    with capture(execute=True):
        return place(buyer, *lines, **kwargs)


# --- Placing --------------------------------------------------------------------------------


def test_every_order_kind_is_registered_as_transactional_with_an_email():
    from shop.notifications import kinds

    registered = {kind.name: kind for kind in kinds.all_kinds() if kind.name in ORDER_KINDS}
    assert set(registered) == ORDER_KINDS
    assert all(kind.transactional and kind.emails for kind in registered.values())
    assert not ORDER_KINDS & {kind.name for kind in kinds.optional_kinds()}


def test_a_checkout_from_two_stores_confirms_once_to_the_buyer_and_tells_each_seller(
    buyer, variant, seller, django_capture_on_commit_callbacks, mailoutbox
):
    # given a second store in the same cart
    kopi = buyable_variant(store=StoreFactory(name="Kopi Gayo"), price=9_000_000)
    # when
    placed = place_sending(django_capture_on_commit_callbacks, buyer, (variant, 1), (kopi, 1))
    # then the buyer gets one confirmation for the checkout, linking to the thank-you page
    assert kinds_for(buyer) == ["order_placed"]
    confirmation = latest(buyer, "order_placed")
    assert confirmation.actor is None
    assert confirmation.target_url == f"/orders/placed/{placed.payment.pk}/"
    assert confirmation.data == {
        "payment": placed.payment.pk,
        "numbers": [order.number for order in placed.orders],
        "stores": [order.store.name for order in placed.orders],
    }
    # and each seller hears of their own order only, with the buyer as the actor
    for order in placed.orders:
        owner = order.store.owner
        assert kinds_for(owner) == ["new_order"]
        note = latest(owner, "new_order")
        assert note.actor == buyer and note.data["number"] == order.number
        assert note.target_url == f"/admin/checkout/order/{order.pk}/change/"
    # and three emails went out, each once
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [buyer.email, seller.email, kopi.store.owner.email]
    )
    (email,) = emails_to(mailoutbox, buyer)
    assert "Batik Sekar Jagad" in email.subject and "Kopi Gayo" in email.subject
    for order in placed.orders:
        assert order.number in email.body and money(order.total) in email.body
        assert order.number in html_of(email)
    assert money(placed.payment.amount) in email.body  # the total of both orders
    assert f"{settings.SITE_URL}/orders/placed/{placed.payment.pk}/" in email.body
    assert Delivery.objects.filter(state=Delivery.State.SENT).count() == 3


def test_a_single_order_confirmation_links_to_the_order_page(buyer, variant):
    order = place(buyer, (variant, 1)).orders[0]
    assert latest(buyer, "order_placed").target_url == f"/orders/{order.number}/"


def test_the_confirmation_is_an_invoice_with_the_bank_transfer_instructions(
    buyer, variant, store, django_capture_on_commit_callbacks, mailoutbox
):
    # given two lines and a 10% code of the store
    songket = buyable_variant(store=store, price=7_500_000)
    DiscountCodeFactory(code="HEMAT10", store=store, value=10)
    # when
    placed = place_sending(django_capture_on_commit_callbacks, buyer, (variant, 2), (songket, 1), code="HEMAT10")
    order = placed.orders[0]
    # then
    (email,) = emails_to(mailoutbox, buyer)
    html = html_of(email)
    assert email.subject == f"Your order {order.number} at Batik Sekar Jagad is placed"
    assert order.subtotal == 32_500_000 and order.shipping == 2_000_000 and order.discount == 3_250_000
    assert order.unique_code > 0
    for body in (email.body, html):
        # the lines: title, quantity × unit price, line total
        assert variant.product.title in body and songket.product.title in body
        assert f"2 × {money(12_500_000)}" in body and money(25_000_000) in body
        assert f"1 × {money(7_500_000)}" in body
        # the totals
        for amount in (order.subtotal, order.shipping, order.discount, order.unique_code, order.total):
            assert money(amount) in body
        assert "HEMAT10" in body
        # how to pay: the store's account, the exact amount, the pay-by time
        assert "BCA" in body and "1234567890" in body and "Toko Contoh" in body
        with translation.override("en"):
            pay_by = formats.date_format(timezone.localtime(order.expires_at), "DATETIME_FORMAT")
        assert pay_by in body
        # the shipping address and a link to the order
        assert "Jl. Kemang Raya No. 8" in body
        assert f"{settings.SITE_URL}/orders/{order.number}/" in body
    assert "Batik Sekar Jagad" in email.body  # the store's name in the body too
    assert "Hello Ani Wijaya," in email.body
    assert "&amp;" not in email.body and "&#x27;" not in email.body  # plain text is not HTML-escaped


def test_a_cash_on_delivery_confirmation_shows_the_fee_and_what_to_pay_the_courier(
    buyer, variant, django_capture_on_commit_callbacks, mailoutbox
):
    order = place_sending(django_capture_on_commit_callbacks, buyer, (variant, 1), method="cod").orders[0]
    (email,) = emails_to(mailoutbox, buyer)
    assert order.cod_fee == 500_000
    assert money(order.cod_fee) in email.body
    assert f"Pay the courier {money(order.total)} in cash when your parcel arrives." in email.body
    assert f"Pay the courier <strong>{money(order.total)}</strong> in cash" in html_of(email)
    assert "Transfer to" not in email.body


def test_a_card_confirmation_says_the_payment_is_pending_with_a_link_to_pay(
    buyer, variant, card_payments, django_capture_on_commit_callbacks, mailoutbox
):
    placed = place_sending(django_capture_on_commit_callbacks, buyer, (variant, 1), method="card")
    (email,) = emails_to(mailoutbox, buyer)
    assert f"Your card payment of {money(placed.payment.amount)} is not complete yet." in email.body
    assert f"{settings.SITE_URL}/pay/{placed.payment.pk}/" in email.body
    assert "Transfer to" not in email.body


def test_the_confirmation_shows_the_order_as_it_is_when_the_email_is_sent(buyer, variant, seller, mailoutbox):
    # given the confirmation not sent yet (its task never ran) and the transfer confirmed since
    order = place(buyer, (variant, 1)).orders[0]
    services.confirm_transfer(order=order, actor=seller)
    # when the sweeper's task sends it
    email = build_email(latest(buyer, "order_placed"))
    # then it shows the order paid, without transfer instructions
    assert "Your transfer has been received." in email.body
    assert "Amount to transfer" not in email.body


def test_the_sellers_new_order_email_has_the_lines_the_address_and_the_back_office_link(
    buyer, variant, seller, django_capture_on_commit_callbacks, mailoutbox
):
    order = place_sending(django_capture_on_commit_callbacks, buyer, (variant, 3)).orders[0]
    (email,) = emails_to(mailoutbox, seller)
    html = html_of(email)
    assert email.subject == f"Batik Sekar Jagad: new order {order.number}"
    for body in (email.body, html):
        assert variant.product.title in body and f"3 × {money(12_500_000)}" in body
        assert money(order.total) in body
        assert "Ani Wijaya" in body and "081234567890" in body and "Jl. Kemang Raya No. 8" in body
        assert f"{settings.SITE_URL}/admin/checkout/order/{order.pk}/change/" in body
        assert "Thank you for shopping" not in body
    assert "confirm it in the back office" in email.body


def test_the_confirmation_costs_the_same_queries_for_one_line_and_for_four_over_two_stores(buyer, store):
    def queries_to_build(*lines) -> int:
        shopper = UserFactory()
        place(shopper, *lines)
        notification = latest(shopper, "order_placed")
        with CaptureQueriesContext(connection) as captured:
            build_email(notification)
        return len(captured)

    other = StoreFactory()
    small = queries_to_build((buyable_variant(store=store), 1))
    large = queries_to_build(*[(buyable_variant(store=shop), 1) for shop in (store, store, other, other)])
    assert small == large <= 4  # orders with stores, buyer and code; lines; (the locale is cached)


# --- Moves ----------------------------------------------------------------------------------


def test_a_transfer_confirmed_by_the_seller_tells_the_buyer_only(
    buyer, variant, seller, django_capture_on_commit_callbacks, mailoutbox
):
    order = place(buyer, (variant, 1)).orders[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_transfer(order=order, actor=seller)
    assert kinds_for(buyer) == ["order_placed", "order_paid"]
    assert kinds_for(seller) == ["new_order"]  # they confirmed it themselves
    paid = latest(buyer, "order_paid")
    assert paid.actor == seller and paid.target_url == f"/orders/{order.number}/"
    (email,) = emails_to(mailoutbox, buyer)
    assert email.subject == f"Payment confirmed: order {order.number} from Batik Sekar Jagad"
    assert money(order.total) in email.body


def test_a_transfer_confirmed_by_staff_tells_the_seller_too(buyer, variant, seller):
    staff = UserFactory(is_staff=True, is_superuser=True)
    order = place(buyer, (variant, 1)).orders[0]
    services.confirm_transfer(order=order, actor=staff)
    assert kinds_for(seller) == ["new_order", "order_paid"]
    assert latest(seller, "order_paid").data["to"] == "seller"


def test_a_card_payment_tells_the_buyer_and_the_seller_to_ship(
    buyer, variant, seller, card_payments, django_capture_on_commit_callbacks, mailoutbox
):
    placed = place(buyer, (variant, 1), method="card")
    with django_capture_on_commit_callbacks(execute=True):
        services.record_card_payment(payment=placed.payment)
    assert kinds_for(buyer) == ["order_placed", "order_paid"]
    assert kinds_for(seller) == ["new_order", "order_paid"]
    (seller_email,) = emails_to(mailoutbox, seller)
    order = placed.orders[0]
    assert seller_email.subject == f"Batik Sekar Jagad: order {order.number} is paid, ready to ship"
    assert "mark it shipped" in seller_email.body and "Jl. Kemang Raya No. 8" in seller_email.body
    assert latest(seller, "order_paid").data["to"] == "seller"


def test_shipping_tells_the_buyer_the_carrier_and_the_tracking_number(
    buyer, variant, seller, django_capture_on_commit_callbacks, mailoutbox
):
    order = place(buyer, (variant, 1)).orders[0]
    services.confirm_transfer(order=order, actor=seller)
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_shipped(order=order, actor=seller, carrier="JNE", tracking_number="JNE0012345")
    assert kinds_for(buyer)[-1] == "order_shipped"
    assert kinds_for(seller) == ["new_order"]
    shipped = latest(buyer, "order_shipped")
    assert shipped.data["carrier"] == "JNE" and shipped.data["tracking"] == "JNE0012345"
    (email,) = emails_to(mailoutbox, buyer)
    assert email.subject == f"Order {order.number} from Batik Sekar Jagad is on its way"
    assert "JNE0012345" in email.body and "JNE0012345" in html_of(email)


def test_delivery_asks_the_buyer_to_confirm_receipt_and_completing_tells_nobody(
    buyer, variant, seller, django_capture_on_commit_callbacks, mailoutbox
):
    order = place(buyer, (variant, 1), method="cod").orders[0]
    services.mark_shipped(order=order, actor=seller, carrier="SiCepat", tracking_number="SC1")
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_delivered(order=order, actor=seller)
    (email,) = emails_to(mailoutbox, buyer)
    assert "Confirm receipt" in email.body and f"{settings.SITE_URL}/orders/{order.number}/" in email.body
    assert f"after {settings.ORDER_AUTO_COMPLETE_DAYS} days" in email.body
    services.confirm_receipt(order=order, actor=buyer)
    assert kinds_for(buyer) == ["order_placed", "order_shipped", "order_delivered"]
    assert kinds_for(seller) == ["new_order"]


def test_a_buyer_cancelling_gets_a_confirmation_and_the_seller_is_told(
    buyer, variant, seller, django_capture_on_commit_callbacks, mailoutbox
):
    order = place(buyer, (variant, 1)).orders[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_order(order=order, actor=buyer)
    # the buyer's record of their own cancellation: sent without an actor (notify skips self-actions)
    mine = latest(buyer, "order_cancelled")
    assert mine.actor is None and mine.data["by"] == "buyer"
    theirs = latest(seller, "order_cancelled")
    assert theirs.actor == buyer and theirs.data == {**mine.data, "to": "seller"}
    assert theirs.target_url == f"/admin/checkout/order/{order.pk}/change/"
    (to_buyer,) = emails_to(mailoutbox, buyer)
    (to_seller,) = emails_to(mailoutbox, seller)
    assert "As you asked" in to_buyer.body and "contact Batik Sekar Jagad" in to_buyer.body
    assert "Ani Wijaya cancelled order" in to_seller.body and "back in stock" in to_seller.body
    with translation.override("en"):
        assert selectors.inbox(user=buyer).rows[0].text == f"You cancelled order {order.number} from Batik Sekar Jagad."


def test_a_seller_cancelling_tells_the_buyer_only_with_the_reason(
    buyer, variant, seller, django_capture_on_commit_callbacks, mailoutbox
):
    order = place(buyer, (variant, 1)).orders[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_order(order=order, actor=seller, note="Sold out at the market")
    assert kinds_for(seller) == ["new_order"]
    cancelled = latest(buyer, "order_cancelled")
    assert cancelled.actor == seller and cancelled.data["by"] == "seller"
    (email,) = emails_to(mailoutbox, buyer)
    assert "Batik Sekar Jagad cancelled your order" in email.body
    assert "Sold out at the market" in email.body


def test_an_expired_order_tells_the_buyer_and_the_seller(
    buyer, variant, seller, django_capture_on_commit_callbacks, mailoutbox
):
    order = place(buyer, (variant, 1)).orders[0]
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_unpaid_orders() == 1
    assert kinds_for(buyer) == ["order_placed", "order_expired"]
    # the seller stops waiting for the transfer: the order is off and its items are back on sale
    assert kinds_for(seller) == ["new_order", "order_expired"]
    theirs = latest(seller, "order_expired")
    assert theirs.actor is None and theirs.target_url == f"/admin/checkout/order/{order.pk}/change/"
    (email,) = emails_to(mailoutbox, buyer)
    assert email.subject == f"Order {order.number} from Batik Sekar Jagad was not paid in time"
    assert "order again" in email.body
    (to_seller,) = emails_to(mailoutbox, seller)
    assert f"Order {order.number} from Ani Wijaya was not paid in time" in to_seller.body
    assert "nothing to ship" in to_seller.body and "order again" not in to_seller.body
    with translation.override("en"):
        assert selectors.inbox(user=seller).rows[0].text == (
            f"Order {order.number} was not paid in time: it is cancelled and back in stock."
        )


def test_a_refund_tells_the_buyer_the_amount(buyer, variant, seller, django_capture_on_commit_callbacks, mailoutbox):
    order = place(buyer, (variant, 1)).orders[0]
    services.confirm_transfer(order=order, actor=seller)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_refund(order=order, actor=seller, note="Damaged in the workshop")
    assert kinds_for(buyer)[-1] == "order_refunded"
    assert latest(buyer, "order_refunded").data["amount"] == order.total
    (email,) = emails_to(mailoutbox, buyer)
    assert f"Batik Sekar Jagad refunded {money(order.total)} for your order {order.number}." in email.body
    assert "Damaged in the workshop" in email.body


def test_a_parcel_refused_on_delivery_notifies_nobody(buyer, variant, seller):
    order = place(buyer, (variant, 1), method="cod").orders[0]
    services.mark_shipped(order=order, actor=seller, carrier="JNE", tracking_number="X1")
    services.mark_refused(order=order, actor=seller)
    assert kinds_for(buyer) == ["order_placed", "order_shipped"]
    assert kinds_for(seller) == ["new_order"]


def test_a_move_rolled_back_leaves_no_notification(buyer, variant, seller):
    order = place(buyer, (variant, 1)).orders[0]
    with pytest.raises(RuntimeError), transaction.atomic():
        services.confirm_transfer(order=order, actor=seller)
        raise RuntimeError("the caller's transaction fails after the move")
    assert kinds_for(buyer) == ["order_placed"]


# --- Transactional: preferences, headers, language -------------------------------------------


def test_order_emails_ignore_preferences_and_carry_no_unsubscribe_header(
    buyer, variant, seller, django_capture_on_commit_callbacks, mailoutbox
):
    # given a buyer who turned everything off (rows written directly: the settings page
    # and the unsubscribe link never offer transactional kinds)
    for kind in ORDER_KINDS:
        NotificationPreference.objects.create(user=buyer, kind=kind, email=False, in_app=False)
    notification_services.unsubscribe(user=buyer, kind="order_placed")
    # when
    order = place_sending(django_capture_on_commit_callbacks, buyer, (variant, 1)).orders[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_transfer(order=order, actor=seller)
    # then
    assert kinds_for(buyer) == ["order_placed", "order_paid"]
    assert len(emails_to(mailoutbox, buyer)) == 2
    for email in mailoutbox:
        assert "List-Unsubscribe" not in email.extra_headers
        assert "/notifications/unsubscribe/" not in email.body and "Stop these emails" not in html_of(email)


def test_emails_are_in_the_recipients_language(buyer, variant, seller, django_capture_on_commit_callbacks, mailoutbox):
    # given a buyer who reads Indonesian and a seller in the default language
    buyer.language = "id"
    buyer.save(update_fields=["language"])
    # when (the request that places the order is in English)
    with translation.override("en"):
        order = place_sending(django_capture_on_commit_callbacks, buyer, (variant, 1)).orders[0]
    # then the buyer's email is rendered in Indonesian: its html lang, its money and dates
    (email,) = emails_to(mailoutbox, buyer)
    html = html_of(email)
    assert '<html lang="id">' in html
    assert money(order.total, "id").startswith("Rp") and "." in money(order.total, "id")
    assert money(order.total, "id") in email.body and money(order.total, "id") in html
    assert money(order.total, "en") not in email.body
    with translation.override("id"):
        pay_by = formats.date_format(timezone.localtime(order.expires_at), "DATETIME_FORMAT")
    assert pay_by in email.body
    # and its words, now that the catalog translates them (a variable, not a literal: see above)
    subject = "Your order %(number)s at %(store)s is placed"
    with translation.override("id"):
        translated = translation.gettext(subject)
    assert translated != subject, "locale/id has no translation for the order confirmation yet"
    assert email.subject == translated % {"number": order.number, "store": "Batik Sekar Jagad"}
    # and the seller's in English
    (to_seller,) = emails_to(mailoutbox, seller)
    assert '<html lang="en">' in html_of(to_seller) and money(order.total, "en") in to_seller.body
    assert translation.get_language() == "en"  # the override did not leak
