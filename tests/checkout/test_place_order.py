"""Placing orders: one per store, server-computed totals, stock reserved, idempotent."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from checkout import services
from checkout.exceptions import IllegalTransition, OutOfStock, PricesChanged, QuoteChanged
from checkout.models import CartLine, DiscountCode, Order, OrderStatus
from tests.factories import (
    AddressFactory,
    DiscountCodeFactory,
    UserFactory,
    buyable_variant,
    checkout_cart,
    place,
)

pytestmark = pytest.mark.django_db


def test_one_order_per_store_under_one_payment_with_server_totals():
    # given two stores' variants (shipping Rp20.000 each, free from Rp500.000)
    buyer = UserFactory()
    batik = buyable_variant(price=15_000_000, stock=5)
    kopi = buyable_variant(price=60_000_000, stock=5)
    # when
    placed = place(buyer, (batik, 2), (kopi, 1))
    # then
    assert placed.created and len(placed.orders) == 2
    by_store = {order.store_id: order for order in placed.orders}
    batik_order, kopi_order = by_store[batik.store_id], by_store[kopi.store_id]
    assert batik_order.subtotal == 30_000_000 and batik_order.shipping == 2_000_000
    assert kopi_order.shipping == 0  # above the free-shipping threshold
    assert 100 <= batik_order.unique_code <= 99_900 and batik_order.unique_code % 100 == 0
    assert batik_order.total == 32_000_000 + batik_order.unique_code
    assert placed.payment.amount == batik_order.total + kopi_order.total
    assert [line.quantity for line in batik_order.lines.all()] == [2]
    assert batik_order.lines.get().product_title == batik.product.title
    batik.refresh_from_db()
    kopi.refresh_from_db()
    assert (batik.stock, kopi.stock) == (3, 4)
    assert not CartLine.objects.filter(cart__user=buyer).exists()
    assert batik_order.status == OrderStatus.PENDING_PAYMENT
    assert batik_order.expires_at > timezone.now() + timedelta(hours=23)
    assert batik_order.bank_account_number == "1234567890"


def test_the_same_checkout_key_twice_places_one_set_of_orders():
    buyer = UserFactory()
    variant = buyable_variant(stock=5)
    key = uuid.uuid4().hex
    first = place(buyer, (variant, 1), key=key)
    again = place(buyer, (variant, 1), key=key)  # the cart is refilled, the key is the same
    assert not again.created and again.payment.pk == first.payment.pk
    assert Order.objects.filter(buyer=buyer).count() == 1
    variant.refresh_from_db()
    assert variant.stock == 4


def test_short_stock_places_nothing_and_keeps_the_cart():
    buyer = UserFactory()
    variant = buyable_variant(stock=2)
    cart = checkout_cart(buyer, (variant, 2))
    variant.stock = 1
    variant.save()
    quote = services.cart_quote(cart=cart, buyer=buyer, payment_method="bank_transfer")
    with pytest.raises(OutOfStock, match="not enough stock"):
        services.place_order(
            buyer=buyer,
            cart=cart,
            address=AddressFactory(user=buyer),
            payment_method="bank_transfer",
            idempotency_key="k",
            quote_digest=quote.digest,
        )
    assert not Order.objects.exists()
    assert CartLine.objects.filter(cart=cart).count() == 1
    variant.refresh_from_db()
    assert variant.stock == 1


def test_a_price_change_after_the_quote_is_refused():
    buyer = UserFactory()
    variant = buyable_variant(price=10_000_000)
    cart = checkout_cart(buyer, (variant, 1))
    quote = services.cart_quote(cart=cart, buyer=buyer, payment_method="bank_transfer")
    variant.price = 12_000_000
    variant.save()
    with pytest.raises(QuoteChanged):
        services.place_order(
            buyer=buyer,
            cart=cart,
            address=AddressFactory(user=buyer),
            payment_method="bank_transfer",
            idempotency_key="k",
            quote_digest=quote.digest,
        )
    assert not Order.objects.exists()


def test_a_cart_price_change_is_refused_even_with_a_current_digest_then_placed_when_sent_again():
    # given a line whose price changed since it was added, and the digest of a quote showing the new price
    buyer = UserFactory()
    variant = buyable_variant(price=10_000_000)
    cart = checkout_cart(buyer, (variant, 1))
    variant.price = 12_000_000
    variant.save()
    current = services.cart_quote(cart=cart, buyer=buyer, payment_method="bank_transfer")
    assert current.price_changes
    attempt = {
        "buyer": buyer,
        "cart": cart,
        "address": AddressFactory(user=buyer),
        "payment_method": "bank_transfer",
        "quote_digest": current.digest,
    }
    # when it is placed: refused, with the quote as it is now
    with pytest.raises(PricesChanged) as refused:
        services.place_order(idempotency_key="first", **attempt)
    # then nothing is placed, the refusal carries the new total, and the new price counts as seen
    assert not Order.objects.exists()
    assert refused.value.code == "quote_changed" and refused.value.quote.subtotal == 12_000_000
    assert not services.cart_quote(cart=cart, buyer=buyer).price_changes
    # and the same request sent again places it at the new price
    placed = services.place_order(idempotency_key="second", **attempt)
    assert placed.orders[0].subtotal == 12_000_000


def test_someone_elses_address_is_refused():
    buyer = UserFactory()
    variant = buyable_variant()
    with pytest.raises(ValidationError) as error:
        place(buyer, (variant, 1), address=AddressFactory())
    assert "address" in error.value.message_dict
    assert not Order.objects.exists()


def test_percentage_and_fixed_codes_and_another_stores_code():
    buyer = UserFactory()
    variant = buyable_variant(price=20_000_000)
    percent = DiscountCodeFactory(kind="percentage", value=10)
    placed = place(buyer, (variant, 1), code=percent.code.lower())
    assert placed.orders[0].discount == 2_000_000
    percent.refresh_from_db()
    assert percent.times_used == 1

    other_store = buyable_variant().store
    theirs = DiscountCodeFactory(kind="fixed", value=5_000_000, store=other_store)
    with pytest.raises(ValidationError) as error:
        place(buyer, (variant, 1), code=theirs.code)
    assert "not in your cart" in str(error.value)


def test_code_limits_and_minimum_spend():
    buyer = UserFactory()
    variant = buyable_variant(price=10_000_000, stock=50)
    once = DiscountCodeFactory(per_user_limit=1)
    place(buyer, (variant, 1), code=once.code)
    with pytest.raises(ValidationError, match="already used"):
        place(buyer, (variant, 1), code=once.code)
    big = DiscountCodeFactory(min_spend=50_000_000)
    with pytest.raises(ValidationError, match="spend of at least"):
        place(buyer, (variant, 1), code=big.code)
    ended = DiscountCodeFactory(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="expired"):
        place(buyer, (variant, 1), code=ended.code)


def test_cancelling_restocks_and_gives_the_code_back():
    buyer = UserFactory()
    variant = buyable_variant(stock=3)
    code = DiscountCodeFactory(usage_limit=1)
    order = place(buyer, (variant, 2), code=code.code).orders[0]
    services.cancel_order(order=order, actor=buyer)
    variant.refresh_from_db()
    code.refresh_from_db()
    assert variant.stock == 3 and code.times_used == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert [event.to_status for event in order.events.all()] == ["pending_payment", "cancelled"]
    with pytest.raises(IllegalTransition):
        services.cancel_order(order=order, actor=buyer)


def test_the_state_machine_and_who_may_move_it():
    buyer, stranger = UserFactory(), UserFactory()
    variant = buyable_variant()
    seller = variant.store.owner
    order = place(buyer, (variant, 1)).orders[0]
    with pytest.raises(PermissionDenied):
        services.confirm_transfer(order=order, actor=buyer)
    with pytest.raises(PermissionDenied):
        services.cancel_order(order=order, actor=stranger)
    with pytest.raises(IllegalTransition):
        services.mark_delivered(order=order, actor=seller)
    services.confirm_transfer(order=order, actor=seller)
    with pytest.raises(ValidationError):
        services.mark_shipped(order=order, actor=seller, carrier="", tracking_number="")
    services.mark_shipped(order=order, actor=seller, carrier="JNE", tracking_number="JNE123")
    services.mark_delivered(order=order, actor=seller)
    with pytest.raises(PermissionDenied):
        services.confirm_receipt(order=order, actor=seller)
    services.confirm_receipt(order=order, actor=buyer)
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert order.tracking_number == "JNE123" and order.paid_at and order.completed_at
    assert [e.actor_id for e in order.events.all()] == [buyer.pk, seller.pk, seller.pk, seller.pk, buyer.pk]


def test_cash_on_delivery_fee_limit_paid_on_delivery_and_refusal_restocks():
    buyer = UserFactory()
    variant = buyable_variant(price=10_000_000, stock=4)
    order = place(buyer, (variant, 1), method="cod").orders[0]
    assert order.cod_fee == 500_000 and order.expires_at is None and order.unique_code == 0
    seller = variant.store.owner
    services.mark_shipped(order=order, actor=seller, carrier="JNE", tracking_number="X1")
    services.mark_refused(order=order, actor=seller)
    variant.refresh_from_db()
    assert variant.stock == 4
    # then: cash is taken for orders up to Rp1.000.000 only
    pricey = buyable_variant(store=variant.store, price=60_000_000)
    with pytest.raises(ValidationError, match="up to"):
        place(buyer, (pricey, 2), method="cod")
    assert Order.objects.count() == 1


def test_unpaid_orders_expire_and_their_stock_returns():
    buyer = UserFactory()
    variant = buyable_variant(stock=2)
    order = place(buyer, (variant, 2)).orders[0]
    assert services.expire_unpaid_orders() == 0
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.expire_unpaid_orders() == 1
    order.refresh_from_db()
    variant.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED and variant.stock == 2
    assert order.events.last().actor is None


def test_discount_code_rows_enforce_their_rules():
    from django.db import IntegrityError, transaction

    DiscountCodeFactory(code="HEMAT")
    with pytest.raises(IntegrityError), transaction.atomic():
        DiscountCodeFactory(code="hemat")
    with pytest.raises(IntegrityError), transaction.atomic():
        DiscountCodeFactory(kind="percentage", value=150)
    assert DiscountCode.objects.count() == 1
