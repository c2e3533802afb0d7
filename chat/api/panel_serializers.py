"""The buyer panel's API output (``chat.buyer_panel.BuyerPanel``), for the store's side only.
Amounts are integers in minor units, as in checkout's API, each with a ``_display`` twin."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api.serializers import absolute_url
from chat.api.serializers import ChatLabelSerializer
from checkout.api.serializers import AmountDisplayField, AmountField
from checkout.models import OrderStatus


class BuyerOrderSerializer(serializers.Serializer):
    number = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    total = AmountField()
    total_display = AmountDisplayField(source="total")
    placed_at = serializers.DateTimeField(read_only=True)
    admin_url = serializers.SerializerMethodField(help_text=_("The order in your store's back office."))

    def get_admin_url(self, order) -> str:
        return absolute_url(self, reverse("admin:checkout_order_change", args=[order.pk]))


class BuyerCartLineSerializer(serializers.Serializer):
    variant = serializers.IntegerField(source="variant_id", read_only=True)
    product = serializers.CharField(source="variant.product.title", read_only=True)
    product_slug = serializers.CharField(source="variant.product.slug", read_only=True)
    variant_label = serializers.CharField(source="variant.label", read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    unit_price = AmountField(source="variant.price", help_text=_("Today's price, in minor units."))
    unit_price_display = AmountDisplayField(source="variant.price")
    price_seen = AmountField(help_text=_("The price when the shopper added it, in minor units."))


class BuyerCartSerializer(serializers.Serializer):
    lines = BuyerCartLineSerializer(many=True, read_only=True)
    line_count = serializers.IntegerField(read_only=True, help_text=_("Every line, also those not listed."))
    item_count = serializers.IntegerField(read_only=True)
    subtotal = AmountField(help_text=_("Every line at today's prices, in minor units."))
    subtotal_display = AmountDisplayField(source="subtotal")


class BuyerPanelSerializer(serializers.Serializer):
    conversation = serializers.IntegerField(source="conversation.pk", read_only=True)
    orders = BuyerOrderSerializer(many=True, read_only=True, help_text=_("The newest orders with your store."))
    order_count = serializers.IntegerField(read_only=True, help_text=_("Every order with your store, in any state."))
    paid_order_count = serializers.IntegerField(read_only=True)
    total_spent = AmountField(help_text=_("Paid orders, not refunded, cancelled or expired; in minor units."))
    total_spent_display = AmountDisplayField(source="total_spent")
    currency = serializers.SerializerMethodField(help_text=_("ISO 4217 code of the amounts."))
    repeat_buyer = serializers.BooleanField(read_only=True, help_text=_("Two or more paid orders."))
    follows_store = serializers.BooleanField(read_only=True)
    cart = BuyerCartSerializer(read_only=True, help_text=_("What they have in their cart from your store now."))
    labels = serializers.SerializerMethodField(help_text=_("Your labels on this chat."))
    store_note = serializers.CharField(source="note", read_only=True)

    def get_currency(self, panel) -> str:
        return settings.SHOP_CURRENCY

    @extend_schema_field(ChatLabelSerializer(many=True))
    def get_labels(self, panel) -> list[dict]:
        return ChatLabelSerializer([label for label in panel.labels if label.chosen], many=True).data
