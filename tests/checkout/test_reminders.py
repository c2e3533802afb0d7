"""Reminders: back in stock and price drops for carted and saved variants, and review
requests after delivery (abandoned carts are marketing's flow now). Each reaches the right people once, follows their
preferences, and its email carries a one-click unsubscribe header."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from catalog import services as catalog
from catalog.models import ProductVariant
from checkout import reminders
from checkout.models import Order, OrderStatus
from shop.models import Delivery, Notification
from shop.notifications import services as notifications
from social import services as social
from tests.admin_helpers import admin_url
from tests.factories import UserFactory, buyable_variant, checkout_cart, make_post, place

pytestmark = pytest.mark.django_db


def kinds_of(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True))


def emailed(kind: str) -> list[str]:
    """Addresses that got an email of ``kind`` (sent through the real delivery task)."""
    return sorted(
        Delivery.objects.filter(notification__kind=kind, state=Delivery.State.SENT).values_list(
            "notification__recipient__email", flat=True
        )
    )


@pytest.fixture
def wanted(django_capture_on_commit_callbacks):
    """A sold-out variant with a carting shopper, a saving shopper, one who did both, the
    seller (who saved their own post) and a bystander."""
    variant = buyable_variant(stock=1, options={"Size": "250 g"})
    seller = variant.store.owner
    carter, saver, both, bystander = (UserFactory(username=name) for name in ("carla", "sam", "bo", "omar"))
    checkout_cart(carter, (variant, 1))
    checkout_cart(both, (variant, 1))
    post = make_post(seller, profile=social.profile_for_store(store=variant.store), products=[variant.product])
    for user in (saver, both, seller):
        social.save_post(user=user, post=post)
    ProductVariant.objects.filter(pk=variant.pk).update(stock=0)
    variant.refresh_from_db()
    return variant, seller, carter, saver, both, bystander


def restock(variant, stock, capture):
    with capture(execute=True):
        catalog.update_variant(variant=variant, stock=stock, stock_seen=variant.stock)


def test_back_in_stock_reaches_carted_and_saved_shoppers_once(wanted, django_capture_on_commit_callbacks):
    # given
    variant, seller, carter, saver, both, bystander = wanted
    # when
    restock(variant, 5, django_capture_on_commit_callbacks)
    # then
    assert kinds_of(carter) == kinds_of(saver) == kinds_of(both) == ["back_in_stock"]
    assert kinds_of(seller) == [] and kinds_of(bystander) == []
    note = Notification.objects.get(recipient=carter)
    assert note.target_url == variant.product.get_absolute_url()
    text = reminders.back_in_stock_text("", 0, note.data)
    assert text == f"{variant.product.title} (250 g) is back in stock at {variant.store.name}"
    assert emailed("back_in_stock") == sorted([carter.email, saver.email, both.email])
    message = next(m for m in mail.outbox if m.to == [carter.email])
    assert message.subject == text
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_second_restock_the_same_day_tells_nobody_again(wanted, django_capture_on_commit_callbacks):
    # given
    variant, _seller, carter, saver, both, _bystander = wanted
    restock(variant, 5, django_capture_on_commit_callbacks)
    # when: sold out and restocked again
    restock(variant, 0, django_capture_on_commit_callbacks)
    restock(variant, 3, django_capture_on_commit_callbacks)
    # then
    assert kinds_of(carter) == kinds_of(saver) == kinds_of(both) == ["back_in_stock"]
    assert Delivery.objects.count() == 3
    # ... but the next day's restock does
    Notification.objects.update(created_at=timezone.now() - timedelta(hours=25))
    restock(variant, 0, django_capture_on_commit_callbacks)
    restock(variant, 2, django_capture_on_commit_callbacks)
    assert kinds_of(carter) == kinds_of(saver) == kinds_of(both) == ["back_in_stock", "back_in_stock"]


def test_more_stock_on_a_variant_still_in_stock_is_no_news(wanted, django_capture_on_commit_callbacks):
    variant, _seller, carter, saver, *_ = wanted
    restock(variant, 0, django_capture_on_commit_callbacks)  # 0 -> 0
    ProductVariant.objects.filter(pk=variant.pk).update(stock=2)
    variant.refresh_from_db()
    restock(variant, 9, django_capture_on_commit_callbacks)  # 2 -> 9
    assert Notification.objects.count() == 0


def test_a_price_drop_reaches_carted_and_saved_shoppers_once(wanted, django_capture_on_commit_callbacks):
    # given
    variant, seller, carter, saver, both, bystander = wanted
    # when
    with django_capture_on_commit_callbacks(execute=True):
        catalog.update_variant(variant=variant, price=12_000_000)
    with django_capture_on_commit_callbacks(execute=True):
        catalog.update_variant(variant=variant, price=11_000_000)  # again the same day: no second one
    with django_capture_on_commit_callbacks(execute=True):
        catalog.update_variant(variant=variant, price=13_000_000)  # up: no news
    # then
    assert kinds_of(carter) == kinds_of(saver) == kinds_of(both) == ["price_drop"]
    assert kinds_of(seller) == [] and kinds_of(bystander) == []
    data = Notification.objects.get(recipient=saver).data
    assert (data["old_price"], data["price"]) == (15_000_000, 12_000_000)
    assert reminders.price_drop_text("", 0, data) == (
        f"Price drop: {variant.product.title} (250 g) is now IDR120,000 at {variant.store.name} (was IDR150,000)"
    )
    assert emailed("price_drop") == sorted([carter.email, saver.email, both.email])
    assert all("List-Unsubscribe" in m.extra_headers for m in mail.outbox)


def test_news_that_no_longer_holds_when_the_task_runs_is_dropped(wanted):
    variant, _seller, carter, *_ = wanted
    # Sold out again before the task ran; the price back up.
    assert reminders.remind_carted_variant(variant_id=variant.pk, kind="back_in_stock") == 0
    assert reminders.remind_carted_variant(variant_id=variant.pk, kind="price_drop", old_price=15_000_000) == 0
    assert kinds_of(carter) == []


def test_preferences_turn_the_reminders_off(wanted, django_capture_on_commit_callbacks):
    # given: the carter wants nothing; the saver wants it in the app only
    variant, _seller, carter, saver, both, _bystander = wanted
    notifications.set_preferences(user=carter, choices={"back_in_stock": {"email": False, "in_app": False}})
    notifications.set_preferences(user=saver, choices={"back_in_stock": {"email": False, "in_app": True}})
    notifications.unsubscribe(user=both, kind="back_in_stock")  # the email's one-click link
    # when
    restock(variant, 5, django_capture_on_commit_callbacks)
    # then
    assert kinds_of(carter) == []
    assert kinds_of(saver) == kinds_of(both) == ["back_in_stock"]
    assert Notification.objects.filter(in_app=True).count() == 2
    assert Delivery.objects.count() == 0 and mail.outbox == []


def test_a_restock_in_the_admin_tells_the_shoppers(wanted, client, django_capture_on_commit_callbacks):
    # given
    variant, seller, carter, *_ = wanted
    client.force_login(seller)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(variant.pk),
        "form-0-price": "150000",
        "form-0-stock": "7",
        "form-0-stock_seen": str(variant.stock),
        "_save": "Save",
    }
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(admin_url(ProductVariant, "changelist"), data)
    # then
    assert response.status_code == 302
    assert kinds_of(carter) == ["back_in_stock"]


# --- Abandoned carts ---------------------------------------------------------------------------
# No longer checkout's: the abandoned cart is a marketing flow (tests/marketing/test_flows.py),
# sent to the contacts who consented to the store's email, so nobody is reminded twice.


# --- Review requests -------------------------------------------------------------------------


def delivered_order(buyer, *variants, days_ago):
    placed = place(buyer, *((variant, 1) for variant in variants))
    (order,) = placed.orders
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.DELIVERED, delivered_at=timezone.now() - timedelta(days=days_ago)
    )
    return order


def test_a_review_request_goes_once_per_order_n_days_after_delivery(settings, django_capture_on_commit_callbacks):
    # given
    settings.REVIEW_REQUEST_AFTER_DAYS = 3
    buyer = UserFactory(username="rina")
    store_variant = buyable_variant()
    other = buyable_variant(store=store_variant.store)
    due = delivered_order(buyer, store_variant, other, days_ago=4)
    early = delivered_order(buyer, buyable_variant(), days_ago=1)
    # when
    mail.outbox.clear()  # the order emails
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.request_reviews() == 1
        assert reminders.request_reviews() == 0  # the next hour's run
    # then
    note = Notification.objects.get(recipient=buyer, kind="review_request")
    assert note.target_url == due.get_absolute_url()
    assert note.group_key == f"review_request:order:{due.pk}"
    (message,) = mail.outbox
    assert message.subject == f"How was your order from {due.store.name}?"
    assert "Rate the products you bought" in message.body
    for variant in (store_variant, other):
        assert variant.product.get_absolute_url() in message.body
    assert due.get_absolute_url() in message.alternatives[0][0]
    assert "List-Unsubscribe" in message.extra_headers
    # when the other order falls due
    Order.objects.filter(pk=early.pk).update(delivered_at=timezone.now() - timedelta(days=3, minutes=1))
    assert reminders.request_reviews() == 1
    assert Notification.objects.filter(recipient=buyer, kind="review_request").count() == 2


def test_no_review_request_for_orders_not_delivered_or_long_past():
    buyer = UserFactory()
    cancelled = delivered_order(buyer, buyable_variant(), days_ago=5)
    Order.objects.filter(pk=cancelled.pk).update(status=OrderStatus.REFUNDED)
    delivered_order(buyer, buyable_variant(), days_ago=30)  # due long before the window
    place(buyer, (buyable_variant(), 1))  # not delivered at all
    assert reminders.request_reviews() == 0
    assert not Notification.objects.filter(kind="review_request").exists()


def test_a_buyer_who_turned_review_requests_off_gets_none():
    buyer = UserFactory()
    notifications.set_preferences(user=buyer, choices={"review_request": {"email": False, "in_app": False}})
    delivered_order(buyer, buyable_variant(), days_ago=4)
    assert reminders.request_reviews() == 0
    assert not Notification.objects.filter(kind="review_request").exists()


# --- Under concurrency (PostgreSQL) ----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_runs_of_the_same_news_notify_each_shopper_once():
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL: SQLite serialises writers (CI runs this)")
    # given: ten carting shoppers, and the restock task delivered four times at once
    variant = buyable_variant(stock=5)
    shoppers = [UserFactory() for _ in range(10)]
    for shopper in shoppers:
        checkout_cart(shopper, (variant, 1))
    barrier = threading.Barrier(4)
    errors = []

    def run():
        try:
            barrier.wait(timeout=30)
            reminders.remind_carted_variant(variant_id=variant.pk, kind="back_in_stock")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then
    assert errors == []
    assert Notification.objects.filter(kind="back_in_stock").count() == 10
    assert Delivery.objects.count() == 10


def test_a_cancelled_order_that_ends_a_sell_out_tells_the_carts(django_capture_on_commit_callbacks):
    # given a variant whose last unit is ordered, and another shopper who carted it before
    from checkout import services as checkout_services
    from shop.models import Notification
    from tests.factories import UserFactory, buyable_variant, checkout_cart, place

    variant = buyable_variant(stock=2)
    waiting = UserFactory()
    checkout_cart(waiting, (variant, 1))
    buyer = UserFactory()
    order = place(buyer, (variant, 2)).orders[0]
    # when the buyer cancels and the units come back
    with django_capture_on_commit_callbacks(execute=True):
        checkout_services.cancel_order(order=order, actor=buyer)
    # then the shopper with it in their cart hears it is back in stock; the buyer does not
    assert Notification.objects.filter(recipient=waiting, kind="back_in_stock").count() == 1
    assert not Notification.objects.filter(recipient=buyer, kind="back_in_stock").exists()


def test_a_review_request_asks_only_for_what_is_not_reviewed_yet(django_capture_on_commit_callbacks):
    # given a delivered order of two products, one already reviewed, and another fully reviewed
    from social.services.reviews import write_review

    buyer = UserFactory()
    rated, unrated = buyable_variant(), None
    unrated = buyable_variant(store=rated.store)
    order = delivered_order(buyer, rated, unrated, days_ago=4)
    write_review(author=buyer, product=rated.product, rating=5)
    done = buyable_variant()
    delivered_order(buyer, done, days_ago=4)
    write_review(author=buyer, product=done.product, rating=4)
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.request_reviews() == 1
    # then only the order with something left to rate is asked about, and only for that product
    assert Notification.objects.get(kind="review_request").target_url == order.get_absolute_url()
    (message,) = mail.outbox
    assert unrated.product.get_absolute_url() in message.body
    assert rated.product.get_absolute_url() not in message.body
