"""``manage.py seed_demo``, checkout side (``checkout.demo``): store settings, discount codes,
address books, carts and orders in every state, made through the checkout services."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.demo.seed import variant_rows
from catalog.demo.specs import SHOPPERS
from catalog.demo.stores import STORES
from catalog.models import ProductVariant
from checkout import services
from checkout.demo.specs import DEMO_KEY_PREFIX
from checkout.models import (
    PROVINCES,
    Address,
    Cart,
    CartLine,
    DiscountCode,
    DiscountRedemption,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    StoreCheckoutSettings,
)
from shop.models import User

pytestmark = pytest.mark.django_db

SELLER_EMAIL = "seller@demo.etalase.id"
CHECKOUT_MODELS = (
    StoreCheckoutSettings, DiscountCode, DiscountRedemption, Address, Cart, CartLine, Payment, Order, OrderLine,
    OrderEvent,
)  # fmt: skip


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def checkout_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in CHECKOUT_MODELS}


def stock_by_sku() -> dict[str, int]:
    return dict(ProductVariant.objects.values_list("sku", "stock"))


def units_held_by_orders() -> dict[str, int]:
    """Units each SKU's live orders hold: closed unpaid orders and refunds before shipping gave theirs back."""
    held: dict[str, int] = {}
    for line in OrderLine.objects.select_related("order"):
        order = line.order
        if order.status in {OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REFUSED}:
            continue
        if order.status == OrderStatus.REFUNDED and order.shipped_at is None:
            continue
        held[line.sku] = held.get(line.sku, 0) + line.quantity
    return held


def assert_timeline_is_real(order: Order, now) -> None:
    events = list(order.events.order_by("pk"))
    assert events[0].from_status == "" and events[0].to_status == OrderStatus.PENDING_PAYMENT
    assert events[0].actor == order.buyer and events[0].created_at == order.placed_at
    for before, after in zip(events, events[1:], strict=False):
        assert after.from_status == before.to_status, order
        assert before.created_at < after.created_at <= now, order
        assert after.actor in (order.buyer, order.store.owner, None), order
    assert events[-1].to_status == order.status
    assert order.number.startswith(f"ET{order.placed_at:%y%m%d}-")


def test_seed_makes_orders_in_every_state_with_carts_addresses_and_codes_and_a_second_run_adds_nothing():
    # when
    output = seed("--products-per-store=1")
    now = timezone.now()

    # then every state has an order, and the seller demo login sees every state in their store
    orders = list(Order.objects.select_related("store__owner", "buyer"))
    assert {order.status for order in orders} == set(OrderStatus.values)
    seller = User.objects.get(email=SELLER_EMAIL)
    assert set(Order.objects.visible_to(seller).values_list("status", flat=True)) == set(OrderStatus.values)
    assert not Order.objects.visible_to(seller).exclude(store__owner=seller).exists()
    # placed through the real checkout: demo keys, one checkout over two stores, real timelines
    assert all(key.startswith(DEMO_KEY_PREFIX) for key in Payment.objects.values_list("idempotency_key", flat=True))
    assert any(payment.orders.count() == 2 for payment in Payment.objects.all())
    for order in orders:
        assert_timeline_is_real(order, now)
    assert now - min(order.placed_at for order in orders) > timedelta(days=10)
    by_status = {order.status: order for order in orders}
    assert by_status[OrderStatus.REFUSED].payment_method == PaymentMethod.COD
    assert by_status[OrderStatus.SHIPPED].tracking_number and by_status[OrderStatus.SHIPPED].carrier
    assert by_status[OrderStatus.PENDING_PAYMENT].expires_at > now  # the sweeper leaves it be
    cod_delivered = Order.objects.filter(payment_method=PaymentMethod.COD, status=OrderStatus.DELIVERED)
    assert cod_delivered.exists() and not cod_delivered.filter(paid_at__isnull=True).exists()
    assert Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, payment_method=PaymentMethod.BANK_TRANSFER).exists()
    # the stock is what the catalog seeded minus what live orders hold: restocks happened
    seeded = {row["sku"]: row["stock"] for store in STORES for row in variant_rows(store, 0, store.products[0])}
    held = units_held_by_orders()
    assert held and stock_by_sku() == {sku: stock - held.get(sku, 0) for sku, stock in seeded.items()}
    # the periodic tasks find nothing to do on a fresh demo
    assert services.expire_unpaid_orders() == 0 and services.complete_delivered_orders() == 0

    # the five stores ship and take transfers; some take cash on delivery, with a fee and a limit
    settings_ = list(StoreCheckoutSettings.objects.all())
    assert len(settings_) == len(STORES) and all(row.accepts_bank_transfer for row in settings_)
    cod = [row for row in settings_ if row.cod_enabled]
    assert 0 < len(cod) < len(settings_) and all(row.cod_fee > 0 and row.cod_max_order for row in cod)
    assert all(row.shipping_flat_rate > 0 for row in settings_)

    # every shopper has an Indonesian address book with a default address
    shoppers = User.objects.filter(email__in=[person.email for person in SHOPPERS])
    assert shoppers.count() == len(SHOPPERS)
    for shopper in shoppers:
        assert Address.objects.filter(user=shopper, is_default=True).count() == 1, shopper
    for address in Address.objects.all():
        address.full_clean()
        assert address.province in PROVINCES
    assert Address.objects.values("user").distinct().count() < Address.objects.count()  # some have two

    # codes: site-wide and per store, one expired, some limited, each use counted
    codes = list(DiscountCode.objects.all())
    assert sum(code.store_id is None for code in codes) == 2 and sum(code.store_id is not None for code in codes) >= 3
    assert any(code.ends_at is not None and code.ends_at < now for code in codes)
    assert any(code.usage_limit for code in codes)
    assert all(code.times_used == code.redemptions.count() for code in codes)
    assert DiscountRedemption.objects.count() >= 2 and Order.objects.filter(discount__gt=0).exists()

    # carts with lines, one flagged because its price went up since it was added
    carts = Cart.objects.filter(lines__isnull=False).distinct()
    assert carts.count() >= 3 and all(cart.user_id for cart in carts)
    changed = [cart for cart in carts if services.cart_quote(cart=cart).price_changes]
    assert len(changed) == 1
    assert "Checkout: created" in output

    # when it runs again
    before, stock = checkout_counts(), stock_by_sku()
    statuses = dict(Order.objects.values_list("number", "status"))
    output = seed("--products-per-store=1")

    # then nothing changes
    assert checkout_counts() == before and stock_by_sku() == stock
    assert dict(Order.objects.values_list("number", "status")) == statuses
    assert "Checkout: created nothing" in output


def test_a_seed_without_products_makes_settings_codes_and_addresses_but_no_orders():
    # when
    assert seed("--products-per-store=0", "--quiet") == ""

    # then
    assert StoreCheckoutSettings.objects.count() == len(STORES)
    assert DiscountCode.objects.exists() and Address.objects.exists()
    assert not Order.objects.exists() and not CartLine.objects.exists()
