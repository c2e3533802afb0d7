"""Payments, Stripe events, carts and address books: for superusers, to look at.

Sellers never see these. A payment may cover several stores' orders, Stripe events are
the platform's, and carts and address books are the shoppers' own (privacy): a seller
sees only the address an order ships to, on the order.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from catalog.admin.scoping import sees_all_stores
from checkout.models import Address, Cart, CartLine, Payment, StripeEvent
from shop.admin import ReadOnlySuperuserAdmin
from shop.money import format_money


@admin.register(Payment)
class PaymentAdmin(ReadOnlySuperuserAdmin):
    list_display = ("__str__", "buyer", "method", "status", "amount_display", "created_at")
    list_filter = ("method", "status")
    list_select_related = ("buyer",)
    search_fields = ("buyer__username", "buyer__email", "stripe_payment_intent", "orders__number")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    # Not the Stripe client secret: it lets its holder confirm the payment.
    fields = (
        "buyer",
        "method",
        "status",
        "amount_display",
        "currency",
        "idempotency_key",
        "stripe_payment_intent",
        "order_links",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj):
        return format_money(obj.amount, obj.currency)

    @admin.display(description=_("orders"))
    def order_links(self, obj):
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:checkout_order_change", args=[order.pk]), order.number)
                for order in obj.orders.order_by("pk")
            ),
        )


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlySuperuserAdmin):
    list_display = ("event_id", "type", "payment_intent", "received_at")
    list_filter = ("type",)
    search_fields = ("event_id", "payment_intent")
    date_hierarchy = "received_at"
    ordering = ("-received_at", "-id")
    fields = ("event_id", "type", "payment_intent", "received_at", "payload_display")
    readonly_fields = fields

    @admin.display(description=_("payload"))
    def payload_display(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True, ensure_ascii=False))


class CartLineInline(admin.TabularInline):
    model = CartLine
    fields = ("variant", "quantity", "price_seen_display", "added_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description=_("price when added"))
    def price_seen_display(self, obj):
        return format_money(obj.price_seen)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("variant__product")

    def has_view_permission(self, request, obj=None):
        return sees_all_stores(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Cart)
class CartAdmin(ReadOnlySuperuserAdmin):
    list_display = ("__str__", "user", "created_at", "updated_at", "reminded_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    list_filter = (("user", admin.EmptyFieldListFilter),)
    ordering = ("-updated_at", "-id")
    fields = ("user", "created_at", "updated_at", "reminded_at")
    readonly_fields = fields
    inlines = (CartLineInline,)


@admin.register(Address)
class AddressAdmin(ReadOnlySuperuserAdmin):
    list_display = ("recipient", "user", "city", "province", "is_default", "created_at")
    list_filter = ("province",)
    list_select_related = ("user",)
    search_fields = ("recipient", "user__username", "user__email", "city")
    ordering = ("-created_at", "-id")
    fields = (
        "user",
        "label",
        "recipient",
        "phone",
        "street",
        "district",
        "city",
        "province",
        "postal_code",
        "is_default",
        "created_at",
    )
    readonly_fields = fields
