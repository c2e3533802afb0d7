"""The buyer panel's figures (chat.buyer_panel): orders and what counts as spent, repeat
buyers, follows, the cart lines from this store only, and a constant number of queries."""

import pytest
from django.utils import timezone

from chat import buyer_panel, services
from checkout import services as checkout_services
from checkout.models import Order, OrderStatus
from social.services.profiles import follow, profile_for_store
from tests.chat.factories import conversation
from tests.factories import UserFactory, buyable_variant, checkout_cart, place

pytestmark = pytest.mark.django_db


def paid(order: Order) -> Order:
    return checkout_services.confirm_transfer(order=order, actor=order.store.owner)


def bought(buyer, variant, quantity=1) -> Order:
    return place(buyer, (variant, quantity)).orders[0]


@pytest.fixture
def variant():
    return buyable_variant(price=100_000, stock=500)


@pytest.fixture
def chat(variant):
    return conversation(shopper=UserFactory(), store=variant.store)


def test_total_spent_counts_paid_orders_only(chat, variant):
    # given one paid order, one shipped and delivered, one awaiting payment, one cancelled,
    # one expired and one paid then refunded
    shopper = chat.shopper
    first = paid(bought(shopper, variant, 1))
    delivered = paid(bought(shopper, variant, 2))
    checkout_services.mark_shipped(order=delivered, actor=chat.store.owner, carrier="JNE", tracking_number="J1")
    checkout_services.mark_delivered(order=Order.objects.get(pk=delivered.pk), actor=chat.store.owner)
    bought(shopper, variant, 3)  # awaiting payment
    checkout_services.cancel_order(order=bought(shopper, variant, 4), actor=shopper)
    expired = bought(shopper, variant, 5)
    Order.objects.filter(pk=expired.pk).update(status=OrderStatus.EXPIRED)
    refunded = paid(bought(shopper, variant, 6))
    checkout_services.record_refund(order=refunded, actor=chat.store.owner)

    # when the panel is read
    panel = buyer_panel.buyer_panel(conversation=chat)

    # then every order is counted and listed newest first (five of them), but only the paid
    # and kept ones add to what was spent
    totals = {order.pk: order.total for order in Order.objects.filter(buyer=shopper)}
    assert panel.order_count == 6
    assert [order.pk for order in panel.orders] == sorted(totals, reverse=True)[:5]
    assert panel.more_orders == 1
    assert panel.paid_order_count == 2
    assert panel.total_spent == totals[first.pk] + totals[delivered.pk]
    assert panel.repeat_buyer


def test_one_paid_order_is_not_a_repeat_buyer_and_other_stores_orders_do_not_count(chat, variant):
    # given one paid order here, and paid orders with another store
    paid(bought(chat.shopper, variant))
    elsewhere = buyable_variant(price=50_000)
    paid(bought(chat.shopper, elsewhere))
    paid(bought(chat.shopper, elsewhere))

    # when the panel is read
    panel = buyer_panel.buyer_panel(conversation=chat)

    # then only this store's order counts
    assert (panel.order_count, panel.paid_order_count) == (1, 1)
    assert not panel.repeat_buyer


def test_a_new_buyer_has_nothing(chat):
    panel = buyer_panel.buyer_panel(conversation=chat)

    assert (panel.order_count, panel.total_spent, panel.orders) == (0, 0, [])
    assert not panel.follows_store and not panel.repeat_buyer
    assert (panel.cart.lines, panel.cart.subtotal, panel.cart.item_count) == ([], 0, 0)


def test_follows_the_store_only_when_following_this_store(chat, variant):
    # given the shopper follows another store
    other = buyable_variant().store
    follow(follower=chat.shopper, profile=profile_for_store(store=other))
    assert not buyer_panel.buyer_panel(conversation=chat).follows_store
    # when they follow this one
    follow(follower=chat.shopper, profile=profile_for_store(store=chat.store))
    # then the panel says so
    assert buyer_panel.buyer_panel(conversation=chat).follows_store


def test_the_cart_shows_this_stores_lines_at_todays_price(chat, variant):
    # given the shopper's cart with two of this store's variants and one of another store
    second = buyable_variant(store=chat.store, price=30_000)
    elsewhere = buyable_variant(price=7_000)
    checkout_cart(chat.shopper, (variant, 2), (elsewhere, 1), (second, 3))
    # and the store lowered a price since it was added
    type(variant).objects.filter(pk=variant.pk).update(price=90_000)

    # when the panel's cart is read
    cart = buyer_panel.buyer_cart(conversation=chat)

    # then only this store's lines show, with today's price and what the shopper saw
    assert [(line.variant_id, line.quantity) for line in cart.lines] == [(variant.pk, 2), (second.pk, 3)]
    assert cart.lines[0].variant.price == 90_000 and cart.lines[0].price_seen == 100_000
    assert (cart.line_count, cart.item_count, cart.subtotal) == (2, 5, 2 * 90_000 + 3 * 30_000)


def test_the_cart_totals_count_lines_past_the_ones_shown(chat, monkeypatch):
    # given three lines and a panel that lists two
    monkeypatch.setattr(buyer_panel, "CART_LINES_SHOWN", 2)
    variants = [buyable_variant(store=chat.store, price=10_000) for _ in range(3)]
    checkout_cart(chat.shopper, *[(v, 1) for v in variants])

    # when the cart is read
    cart = buyer_panel.buyer_cart(conversation=chat)

    # then two are listed and the totals count all three
    assert len(cart.lines) == 2 and cart.more_lines == 1
    assert (cart.line_count, cart.subtotal) == (3, 30_000)


def test_another_shoppers_cart_is_not_shown(chat, variant):
    checkout_cart(UserFactory(), (variant, 1))

    assert buyer_panel.buyer_cart(conversation=chat).lines == []


def test_labels_are_the_stores_with_those_on_this_chat_chosen(chat):
    # given two labels of the store, one on this chat, and another store's label
    owner = chat.store.owner
    vip = services.create_label(store=chat.store, actor=owner, name="VIP")
    services.create_label(store=chat.store, actor=owner, name="Grosir")
    other = conversation()
    services.create_label(store=other.store, actor=other.store.owner, name="Elsewhere")
    services.set_labels(conversation=chat, actor=owner, label_ids=[vip.pk])

    # when the panel is read
    panel = buyer_panel.buyer_panel(conversation=chat)

    # then it lists the store's labels, VIP chosen
    assert [(label.name, label.chosen) for label in panel.labels] == [("Grosir", False), ("VIP", True)]


def _fill(chat, variant, count: int) -> None:
    """``count`` orders (paid), ``count`` cart lines and ``count`` labels for the chat."""
    for _ in range(count):
        paid(bought(chat.shopper, variant))
    extra = [buyable_variant(store=chat.store) for _ in range(count)]
    checkout_cart(chat.shopper, *[(v, 1) for v in extra])
    for number in range(count):
        label = services.create_label(store=chat.store, actor=chat.store.owner, name=f"L{count}-{number}")
        chat.labels.add(label)


@pytest.mark.parametrize("count", [1, 8])
def test_the_panel_costs_five_queries_whatever_its_size(chat, variant, count, django_assert_num_queries):
    # given a buyer with 1 or 8 orders, cart lines and labels
    _fill(chat, variant, count)
    chat.refresh_from_db()

    # when the panel is read, then it costs the same five queries
    with django_assert_num_queries(5):
        panel = buyer_panel.buyer_panel(conversation=chat)
        # (what the page and the API read from it is loaded)
        for line in panel.cart.lines:
            assert line.variant.product.title
    assert panel.order_count == count and panel.cart.line_count == count


def test_paid_at_without_a_spent_status_does_not_count(chat, variant):
    # a refused cash-on-delivery order never paid; a refunded one kept its paid_at
    order = paid(bought(chat.shopper, variant))
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.REFUSED, paid_at=timezone.now())

    assert buyer_panel.buyer_panel(conversation=chat).total_spent == 0
