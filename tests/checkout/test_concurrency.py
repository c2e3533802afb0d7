"""Stock, checkout keys and discount codes under real parallel checkouts: threads with their
own PostgreSQL connections, released together by a barrier.

Why these tests can fail: on PostgreSQL every thread runs its own transaction, so a
``place_order`` that read the stock, checked it in Python and wrote ``stock - 1`` back
without a row lock would let many buyers read "10 left" at once; each would write 9,
more than ten orders would be placed and the stock would end above 0 with units sold
twice. The assertions below count the orders, the stock left and the units ordered, so
any such lost update shows. (SQLite serialises writers, and ``select_for_update`` does
nothing there: these tests run on PostgreSQL only, as CI does.)
"""

import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Sum
from django.utils import timezone

from catalog.models import ProductVariant
from checkout import services
from checkout.exceptions import IllegalTransition, OutOfStock
from checkout.models import DiscountRedemption, Order, OrderEvent, OrderLine, OrderStatus, Payment
from tests.factories import (
    AddressFactory,
    DiscountCodeFactory,
    StoreFactory,
    UserFactory,
    buyable_variant,
    checkout_cart,
    place,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

METHOD = "bank_transfer"


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL: SQLite serialises writers (CI runs this)")


def _in_parallel(actions) -> list[tuple[object, BaseException | None]]:
    """Run every action in its own thread (and database connection), all released at once.
    Returns ``(result, exception)`` per action, in the order given."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[tuple[object, BaseException | None]] = [(None, None)] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = (action(), None)
        except BaseException as exc:  # reported to the test
            outcomes[index] = (None, exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a checkout thread hung (a deadlock?)"
    return outcomes


def _ready_checkout(buyer, *lines, code=""):
    """Everything a buyer's "Place order" click sends, prepared in the main thread: the cart,
    an address and the digest of the quote the checkout page showed."""
    cart = checkout_cart(buyer, *lines)
    address = AddressFactory(user=buyer)
    digest = services.cart_quote(cart=cart, buyer=buyer, discount_code=code, payment_method=METHOD).digest
    return cart, address, digest


def _placer(buyer, cart, address, digest, *, key=None, code=""):
    key = key or uuid.uuid4().hex
    return lambda: services.place_order(
        buyer=buyer,
        cart=cart,
        address=address,
        payment_method=METHOD,
        idempotency_key=key,
        quote_digest=digest,
        discount_code=code,
    )


def _units_ordered(variant, statuses=None) -> int:
    lines = OrderLine.objects.filter(variant=variant)
    if statuses is not None:
        lines = lines.filter(order__status__in=statuses)
    return lines.aggregate(units=Sum("quantity"))["units"] or 0


def test_fifty_buyers_for_the_last_ten_units_get_exactly_ten_orders_and_never_negative_stock():
    # given one variant with 10 left, and 50 buyers each ready to buy 1 (cart, address, quote)
    variant = buyable_variant(stock=10)
    checkouts = []
    for _ in range(50):
        buyer = UserFactory()
        checkouts.append((buyer, *_ready_checkout(buyer, (variant, 1))))

    # when all 50 press "Place order" at the same moment
    outcomes = _in_parallel([_placer(*checkout) for checkout in checkouts])

    # then exactly 10 checkouts went through, each with one order of one unit
    placed = [result for result, exc in outcomes if exc is None]
    failed = [exc for result, exc in outcomes if exc is not None]
    assert len(placed) == 10 and all(result.created and len(result.orders) == 1 for result in placed)
    assert Order.objects.count() == 10 == Payment.objects.count()
    assert {result.orders[0].buyer_id for result in placed} == {result.payment.buyer_id for result in placed}
    # the stock is exactly gone: nothing sold twice (a lost update would leave units here)
    variant.refresh_from_db()
    assert variant.stock == 0
    assert _units_ordered(variant) == 10
    # the other 40 were told clearly, and kept their carts
    assert len(failed) == 40
    assert all(isinstance(exc, OutOfStock) and exc.code == "out_of_stock" for exc in failed), failed
    for exc in failed:
        message = exc.messages[0].lower()
        assert "not enough stock" in message or "sold out" in message, message
    buyers_served = {result.payment.buyer_id for result in placed}
    kept = [cart for buyer, cart, _, _ in checkouts if buyer.pk not in buyers_served]
    assert len(kept) == 40 and all(cart.lines.filter(variant=variant, quantity=1).exists() for cart in kept)
    # and the database itself refuses a negative stock, whatever the code above it does
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductVariant.objects.filter(pk=variant.pk).update(stock=-1)
    variant.refresh_from_db()
    assert variant.stock == 0


def test_the_same_checkout_key_sent_five_times_at_once_places_one_checkout_and_takes_stock_once():
    # given one buyer's checkout for two stores (2 + 1 units), and one checkout key
    buyer = UserFactory()
    batik, kopi = buyable_variant(stock=5), buyable_variant(stock=5)
    cart, address, digest = _ready_checkout(buyer, (batik, 2), (kopi, 1))
    key = uuid.uuid4().hex

    # when the page sends "Place order" five times at once (double clicks, retries)
    outcomes = _in_parallel([_placer(buyer, cart, address, digest, key=key) for _ in range(5)])

    # then every request answers with the same checkout, made once
    assert [exc for _, exc in outcomes] == [None] * 5
    results = [result for result, _ in outcomes]
    assert {result.payment.pk for result in results} == {Payment.objects.get().pk}
    assert [result.created for result in results].count(True) == 1
    assert {tuple(sorted(order.pk for order in result.orders)) for result in results} == {
        tuple(sorted(Order.objects.values_list("pk", flat=True)))
    }
    assert Order.objects.filter(buyer=buyer).count() == 2
    assert OrderEvent.objects.count() == 2  # one "placed" event per order, not five
    batik.refresh_from_db()
    kopi.refresh_from_db()
    assert (batik.stock, kopi.stock) == (3, 4)


def test_a_code_for_three_uses_sent_by_ten_buyers_at_once_is_redeemed_exactly_three_times():
    # given a site-wide code for 3 uses, and 10 buyers each buying their own product with it
    code = DiscountCodeFactory(code="TIGAKALI", kind="percentage", value=10, usage_limit=3)
    store = StoreFactory()
    checkouts = []
    for _ in range(10):
        buyer = UserFactory()
        variant = buyable_variant(store=store, stock=5)  # distinct rows: only the code is shared
        checkouts.append((buyer, *_ready_checkout(buyer, (variant, 1), code="tigakali"), variant))

    # when they all place their orders at once
    outcomes = _in_parallel(
        [_placer(buyer, cart, address, digest, code="tigakali") for buyer, cart, address, digest, _ in checkouts]
    )

    # then exactly three got the discount; the others were told the code is used up, and bought nothing
    placed = [result for result, exc in outcomes if exc is None]
    failed = [exc for _, exc in outcomes if exc is not None]
    assert len(placed) == 3 and len(failed) == 7
    for exc in failed:
        assert isinstance(exc, ValidationError) and "used up" in " ".join(exc.message_dict["discount_code"])
    code.refresh_from_db()
    assert code.times_used == 3
    assert DiscountRedemption.objects.filter(code=code).count() == 3
    assert Order.objects.count() == 3 == Order.objects.filter(discount_code=code, discount__gt=0).count()
    stocks = Counter(
        ProductVariant.objects.filter(pk__in=[v.pk for *_, v in checkouts]).values_list("stock", flat=True)
    )
    assert stocks == {4: 3, 5: 7}


def test_cancelling_and_expiring_beside_new_checkouts_never_loses_or_duplicates_a_unit():
    # given 10 unpaid orders of 1 unit each, all past their pay-by time, out of 20 units
    variant = buyable_variant(stock=20)
    unpaid = [place(UserFactory(), (variant, 1)).orders[0] for _ in range(10)]
    Order.objects.filter(pk__in=[order.pk for order in unpaid]).update(expires_at=timezone.now() - timedelta(minutes=1))
    # and 10 new buyers each ready to buy 2: only 10 units are free, so they compete with the restocks
    checkouts = []
    for _ in range(10):
        buyer = UserFactory()
        checkouts.append((buyer, *_ready_checkout(buyer, (variant, 2))))
    variant.refresh_from_db()
    assert variant.stock == 10

    # when every unpaid order is cancelled by its buyer and expired by the sweeper at the same
    # moment as the 10 new checkouts are placed (30 threads)
    cancels = [lambda order=order: services.cancel_order(order=order, actor=order.buyer) for order in unpaid]
    expiries = [lambda order=order: services.expire_order(order=order) for order in unpaid]
    placings = [_placer(*checkout) for checkout in checkouts]
    outcomes = _in_parallel(cancels + expiries + placings)

    # then each old order was closed exactly once, by one or the other
    for (cancelled, cancel_error), (expired, _) in zip(outcomes[:10], outcomes[10:20], strict=True):
        assert (cancelled is None) != (expired is None)
        assert cancel_error is None or isinstance(cancel_error, IllegalTransition), cancel_error
    closed = Counter(
        OrderEvent.objects.filter(order__in=unpaid)
        .exclude(to_status=OrderStatus.PENDING_PAYMENT)
        .values_list("order_id", flat=True)
    )
    assert closed == dict.fromkeys((order.pk for order in unpaid), 1)
    assert set(Order.objects.filter(pk__in=[o.pk for o in unpaid]).values_list("status", flat=True)) <= {
        OrderStatus.CANCELLED,
        OrderStatus.EXPIRED,
    }
    # new checkouts either went through or were told the stock was short; none half-done
    placing_errors = [exc for _, exc in outcomes[20:] if exc is not None]
    assert all(isinstance(exc, OutOfStock) for exc in placing_errors), placing_errors
    placed = [result for result, exc in outcomes[20:] if exc is None]
    assert len(placed) >= 5  # the 10 free units were there all along
    assert Order.objects.exclude(pk__in=[o.pk for o in unpaid]).count() == len(placed)
    # and the shelf holds exactly what the live orders did not take: nothing lost, nothing doubled
    variant.refresh_from_db()
    live = _units_ordered(variant, statuses=[OrderStatus.PENDING_PAYMENT])
    assert live == 2 * len(placed)
    assert variant.stock == 20 - live >= 0
