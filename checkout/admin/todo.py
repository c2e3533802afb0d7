"""What a seller must do first, on the back office's front page: transfers to confirm,
orders to ship, payments to refund, with counts, each linking to the order list filtered
on the same condition (``selectors.ORDER_CHORES``). Sellers count their own store's orders,
the site's staff everyone's.

The front page is the core's (``templates/admin/index.html`` sends
``shop.signals.admin_index_shown``); checkout answers it from ``CheckoutConfig.ready()``.
"""

from __future__ import annotations

from django.contrib import admin
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from catalog.admin.scoping import scope_to_store, sees_all_stores, seller_store
from checkout import selectors
from checkout.models import Order

PARAMETER = "todo"


class OrderChoreFilter(admin.SimpleListFilter):
    """The order list's "Needs doing" filter: the front page's counts link here."""

    title = _("needs doing")
    parameter_name = PARAMETER

    def lookups(self, request, model_admin):
        return [(chore.key, chore.label) for chore in selectors.ORDER_CHORES]

    def queryset(self, request, queryset):
        for chore in selectors.ORDER_CHORES:
            if self.value() == chore.key:
                return queryset.filter(chore.condition)
        return queryset


def orders_to_do(sender: object, *, request, **_kwargs) -> str:
    """The front page's "Needs doing" panel, for someone who may see orders (a seller with a
    store, or staff); nothing for anyone else."""
    user = request.user
    if not user.has_perm("checkout.view_order") or not (sees_all_stores(request) or seller_store(request)):
        return ""
    counts = selectors.order_chore_counts(orders=scope_to_store(request, Order.objects.all(), "store"))
    changelist = reverse("admin:checkout_order_changelist")
    chores = [
        {"label": chore.label, "count": counts[chore.key], "url": f"{changelist}?{urlencode({PARAMETER: chore.key})}"}
        for chore in selectors.ORDER_CHORES
    ]
    return render_to_string(
        "admin/checkout/orders_to_do.html",
        {"chores": chores, "anything": any(chore["count"] for chore in chores), "all_stores": sees_all_stores(request)},
        request=request,
    )
