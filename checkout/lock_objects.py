"""Row locks taken by checkout, in one place and one order, so two checkouts (or a checkout
and a cancellation) can never wait on each other in a circle.

The order is: cart, then variants by primary key, then the discount code, then orders by
primary key. A function that locks several kinds takes them in that order.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from catalog.models import ProductVariant
from checkout.models import Cart, DiscountCode, Order


def cart_for_update(pk: int) -> Cart | None:
    return Cart.objects.select_for_update().filter(pk=pk).first()


def variants_for_update(pks: Iterable[int]) -> QuerySet[ProductVariant]:
    return (
        ProductVariant.objects.select_for_update(of=("self",))
        .filter(pk__in=set(pks))
        .select_related("product", "store")
        .order_by("pk")
    )


def discount_for_update(pk: int) -> DiscountCode | None:
    return DiscountCode.objects.select_for_update().filter(pk=pk).first()


def orders_for_update(pks: Iterable[int]) -> QuerySet[Order]:
    return Order.objects.select_for_update(of=("self",)).filter(pk__in=set(pks)).order_by("pk")
