"""The offers API's serializers: what a store sends, and an offer as either side sees it.
Amounts are integers in minor units, as in checkout's API."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api.serializers import MAX_BIGINT
from chat.models import CLIENT_ID_MAX, OFFER_LINES_MAX, OFFER_NOTE_MAX, Offer
from chat.services.offers import MAX_AMOUNT
from checkout.api.serializers import AmountField
from checkout.models import PaymentMethod
from checkout.pricing import MAX_LINE_QUANTITY


class OfferLineInputSerializer(serializers.Serializer):
    variant = serializers.IntegerField(min_value=1, max_value=MAX_BIGINT, help_text=_("One of your variants on sale."))
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)
    unit_price = serializers.IntegerField(
        min_value=0,
        max_value=MAX_AMOUNT,
        required=False,
        allow_null=True,
        help_text=_("A special price in minor units, no more than the variant's price; leave out for its price."),
    )


class OfferCreateSerializer(serializers.Serializer):
    client_id = serializers.CharField(
        max_length=CLIENT_ID_MAX, help_text=_("Made by your client: sending it again returns the first offer.")
    )
    lines = OfferLineInputSerializer(many=True, allow_empty=False, max_length=OFFER_LINES_MAX)
    discount = serializers.IntegerField(
        min_value=0,
        max_value=MAX_AMOUNT,
        required=False,
        default=0,
        help_text=_("Off the subtotal, in minor units."),
    )
    shipping = serializers.IntegerField(
        min_value=0,
        max_value=MAX_AMOUNT,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("In minor units; leave out (or null) for your store's normal shipping."),
    )
    valid_until = serializers.DateTimeField(help_text=_("Within the next 30 days."))
    note = serializers.CharField(max_length=OFFER_NOTE_MAX, required=False, allow_blank=True, default="")


class OfferLineSerializer(serializers.Serializer):
    variant = serializers.IntegerField(source="variant_id", read_only=True, allow_null=True)
    title = serializers.CharField(read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    unit_price = AmountField(allow_null=True, help_text=_("The special price, or null for the variant's price."))
    price_now = serializers.SerializerMethodField(help_text=_("The variant's price now; null once it is gone."))
    stock = serializers.SerializerMethodField(help_text=_("Units in stock now; null once the variant is gone."))

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_price_now(self, line) -> int | None:
        return line.variant.price if line.variant_id else None

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_stock(self, line) -> int | None:
        return line.variant.stock if line.variant_id else None


class OfferSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    conversation = serializers.IntegerField(source="conversation_id", read_only=True)
    status = serializers.ChoiceField(
        source="current_status",
        choices=Offer.Status.choices,
        read_only=True,
        help_text=_("Now: an open offer past `valid_until` is `expired`; `accepted` once bought."),
    )
    lines = OfferLineSerializer(many=True, read_only=True)
    discount = AmountField()
    shipping = AmountField(allow_null=True, help_text=_("Null: the store's normal shipping."))
    currency = serializers.SerializerMethodField()
    valid_until = serializers.DateTimeField(read_only=True)
    note = serializers.CharField(read_only=True)
    order = serializers.SerializerMethodField(help_text=_("The order's number once bought."))
    created_at = serializers.DateTimeField(read_only=True)

    def get_currency(self, offer) -> str:
        return settings.SHOP_CURRENCY

    @extend_schema_field({"type": "string", "nullable": True})
    def get_order(self, offer) -> str | None:
        return offer.order.number if offer.order_id else None


class OfferQuoteRequestSerializer(serializers.Serializer):
    address = serializers.IntegerField(
        min_value=1,
        max_value=MAX_BIGINT,
        required=False,
        allow_null=True,
        help_text=_("One of your addresses' ids; leave out for your default address."),
    )
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices, required=False, allow_blank=True, default=""
    )


class OfferPlaceSerializer(serializers.Serializer):
    address = serializers.IntegerField(min_value=1, max_value=MAX_BIGINT, help_text=_("One of your addresses' ids."))
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    idempotency_key = serializers.CharField(max_length=64, help_text=_("One per attempt (a UUID)."))
    quote_digest = serializers.CharField(max_length=64, help_text=_("The `digest` of the offer's quote you showed."))
