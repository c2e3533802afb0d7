"""The back office's front page tells a seller what needs doing first: transfers to confirm,
orders to ship, card payments to refund, counted over their own store's orders only (staff:
every store's), each linking to the order list filtered on the same condition."""

import re

import pytest

from checkout import services
from checkout.models import Order, OrderStatus, Payment
from tests.factories import StoreFactory, UserFactory, buyable_variant, place

pytestmark = pytest.mark.django_db

INDEX = "/admin/"
ORDERS = "/admin/checkout/order/"


def orders_of(store, *, confirm=0, ship_paid=0, ship_cod=0, refund=0, done=0) -> dict[str, set[str]]:
    """Orders of ``store`` in each situation; returns the order numbers expected per chore."""
    variant = buyable_variant(store=store, stock=100)
    expected = {"confirm": set(), "ship": set(), "refund": set()}
    for _ in range(confirm):
        expected["confirm"].add(place(UserFactory(), (variant, 1)).orders[0].number)
    for _ in range(ship_paid):
        order = place(UserFactory(), (variant, 1)).orders[0]
        services.confirm_transfer(order=order, actor=store.owner)
        expected["ship"].add(order.number)
    for _ in range(ship_cod):
        expected["ship"].add(place(UserFactory(), (variant, 1), method="cod").orders[0].number)
    for _ in range(refund):
        # a card payment that arrived after its order expired, and was not refunded by itself
        order = place(UserFactory(), (variant, 1)).orders[0]
        Order.objects.filter(pk=order.pk).update(payment_method="card", status=OrderStatus.EXPIRED)
        Payment.objects.filter(pk=order.payment_id).update(status=Payment.Status.SUCCEEDED, method="card")
        expected["refund"].add(order.number)
    for _ in range(done):
        order = place(UserFactory(), (variant, 1)).orders[0]
        services.cancel_order(order=order, actor=order.buyer)  # closed: nothing to do
    return expected


def panel(response) -> dict[str, tuple[int, str]]:
    """``{label: (count, link)}`` of the front page's "Needs doing" panel."""
    html = response.content.decode()
    found = re.findall(
        r'<a href="([^"]+)">\s*<span class="orders-to-do__count">(\d+)</span>\s*'
        r'<span class="orders-to-do__label">([^<]+)</span>',
        html,
    )
    return {label: (int(count), link.replace("&amp;", "&")) for link, count, label in found}


def listed(client, link: str) -> set[str]:
    response = client.get(link)
    assert response.status_code == 200
    return {order.number for order in response.context["cl"].result_list}


def test_a_seller_sees_counts_of_their_own_stores_orders_each_linking_to_those_orders(client):
    # given two stores with orders in every situation
    mine, theirs = StoreFactory(), StoreFactory()
    expected = orders_of(mine, confirm=2, ship_paid=1, ship_cod=2, refund=1, done=1)
    orders_of(theirs, confirm=3, ship_paid=2, refund=2)
    client.force_login(mine.owner)
    # when the seller lands in the back office
    shown = panel(client.get(INDEX))
    # then the counts are their store's only
    assert {label: count for label, (count, _link) in shown.items()} == {
        "Transfers to confirm": 2,
        "Orders to ship": 3,
        "Payments to refund": 1,
    }
    # and each link lists exactly those orders
    assert listed(client, shown["Transfers to confirm"][1]) == expected["confirm"]
    assert listed(client, shown["Orders to ship"][1]) == expected["ship"]
    assert listed(client, shown["Payments to refund"][1]) == expected["refund"]
    assert shown["Orders to ship"][1] == f"{ORDERS}?todo=ship"


def test_staff_see_every_stores_counts(client):
    first, second = StoreFactory(), StoreFactory()
    orders_of(first, confirm=1, ship_cod=1)
    orders_of(second, confirm=2, refund=1)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    shown = panel(client.get(INDEX))
    assert {label: count for label, (count, _link) in shown.items()} == {
        "Transfers to confirm": 3,
        "Orders to ship": 1,
        "Payments to refund": 1,
    }
    assert len(listed(client, shown["Transfers to confirm"][1])) == 3


def test_nothing_waiting_says_so_and_a_staff_member_without_a_store_sees_no_panel(client):
    store = StoreFactory()
    orders_of(store, done=1)
    client.force_login(store.owner)
    html = client.get(INDEX).content.decode()
    assert "Nothing is waiting for you." in html
    client.force_login(UserFactory(is_staff=True))
    response = client.get(INDEX)
    assert response.status_code == 200 and "orders-to-do" not in response.content.decode()


def test_the_panel_costs_one_query_whatever_the_number_of_orders(client, django_assert_num_queries):
    from checkout.admin.todo import orders_to_do

    store = StoreFactory()
    orders_of(store, confirm=3, ship_cod=2)
    client.force_login(store.owner)
    request = client.get(INDEX).wsgi_request  # a real request of the seller (permissions and store cached)
    with django_assert_num_queries(1):
        orders_to_do(None, request=request)
