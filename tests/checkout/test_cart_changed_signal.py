"""checkout.signals.cart_changed: sent on commit by the cart services (and by placing an order
from the cart) with the stores whose lines changed; never before commit, never for a visitor."""

import pytest
from django.db import transaction

from checkout import services, signals
from checkout.models import Cart
from tests.factories import UserFactory, buyable_variant, checkout_cart, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """The (cart id, user id, store ids) of every cart_changed sent during the test."""
    calls = []

    def receiver(sender, *, cart, store_ids, **kwargs):
        calls.append((cart.pk, cart.user_id, set(store_ids)))

    signals.cart_changed.connect(receiver, dispatch_uid="test-cart-changed")
    yield calls
    signals.cart_changed.disconnect(dispatch_uid="test-cart-changed")


def test_adding_a_line_is_told_on_commit_with_its_store(heard, django_capture_on_commit_callbacks):
    # given a shopper's cart
    shopper = UserFactory()
    cart = services.cart_for_user(user=shopper, create=True)
    variant = buyable_variant()
    # when a line is added, then nothing is sent before the transaction commits
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.add_to_cart(cart=cart, variant_id=variant.pk, quantity=1)
    assert heard == []
    # and once it commits, the cart and the variant's store are told
    for callback in callbacks:
        callback()
    assert heard == [(cart.pk, shopper.pk, {variant.store_id})]


def test_a_rolled_back_change_is_never_told(heard, django_capture_on_commit_callbacks):
    shopper = UserFactory()
    cart = services.cart_for_user(user=shopper, create=True)
    variant = buyable_variant()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.add_to_cart(cart=cart, variant_id=variant.pk, quantity=1)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert heard == []


def test_changing_and_removing_lines_name_their_store(heard, django_capture_on_commit_callbacks):
    # given a cart with lines of two stores
    shopper = UserFactory()
    first, second = buyable_variant(), buyable_variant()
    cart = checkout_cart(shopper, (first, 1), (second, 1))
    lines = {line.variant_id: line.pk for line in cart.lines.all()}
    # when one line's quantity changes, another is set to 0, and the first removed
    with django_capture_on_commit_callbacks(execute=True):
        services.set_line_quantity(cart=cart, line_id=lines[first.pk], quantity=2)
        services.set_line_quantity(cart=cart, line_id=lines[second.pk], quantity=0)
        services.remove_line(cart=cart, line_id=lines[first.pk])
    # then each is told with the store of its line
    assert heard == [
        (cart.pk, shopper.pk, {first.store_id}),
        (cart.pk, shopper.pk, {second.store_id}),
        (cart.pk, shopper.pk, {first.store_id}),
    ]


def test_placing_an_order_from_the_cart_names_every_store_bought_from(heard, django_capture_on_commit_callbacks):
    # given nothing heard yet
    shopper = UserFactory()
    first, second = buyable_variant(), buyable_variant()
    # when the shopper buys lines of two stores from the cart
    with django_capture_on_commit_callbacks(execute=True):
        placed = place(shopper, (first, 1), (second, 2))
    # then the last word is that the cart lost both stores' lines
    cart = Cart.objects.get(user=shopper)
    assert len(placed.orders) == 2
    assert heard[-1] == (cart.pk, shopper.pk, {first.store_id, second.store_id})
    assert not cart.lines.exists()


def test_a_visitors_cart_is_never_told(heard, django_capture_on_commit_callbacks):
    cart = Cart.objects.create()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_to_cart(cart=cart, variant_id=buyable_variant().pk, quantity=1)
    assert heard == []


def test_a_visitors_cart_merged_at_login_names_its_stores(heard, django_capture_on_commit_callbacks):
    # given a visitor's cart with a line, and their account's cart with another store's line
    shopper = UserFactory()
    visitor_variant, own_variant = buyable_variant(), buyable_variant()
    own = checkout_cart(shopper, (own_variant, 1))
    visitor = Cart.objects.create()
    services.add_to_cart(cart=visitor, variant_id=visitor_variant.pk, quantity=1)
    heard.clear()
    # when they log in and the carts merge
    with django_capture_on_commit_callbacks(execute=True):
        services.merge_carts(source=visitor, target=own)
    # then the account's cart is told it gained the visitor's store
    assert heard == [(own.pk, shopper.pk, {visitor_variant.store_id})]


def test_a_failing_handler_does_not_fail_the_change(django_capture_on_commit_callbacks, caplog):
    # given a handler that raises
    def broken(sender, **kwargs):
        raise RuntimeError("socket gone")

    signals.cart_changed.connect(broken, dispatch_uid="test-broken")
    try:
        shopper = UserFactory()
        cart = services.cart_for_user(user=shopper, create=True)
        # when a line is added, then the change stands and the failure is logged
        with django_capture_on_commit_callbacks(execute=True):
            line = services.add_to_cart(cart=cart, variant_id=buyable_variant().pk, quantity=1)
    finally:
        signals.cart_changed.disconnect(dispatch_uid="test-broken")
    assert cart.lines.filter(pk=line.pk).exists()
    assert "socket gone" in caplog.text
