"""Input serializers (types and shapes; the rules are the services') and output serializers.

Outputs are plain ``Serializer`` classes with every field read-only: amounts, statuses and
owners are never taken from a request. Amounts are integers in minor units with a
``*_display`` string beside each.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from catalog.api.serializers import MAX_BIGINT, StoreSummarySerializer, absolute_url
from checkout.models import PROVINCE_CHOICES, OrderStatus, Payment, PaymentMethod
from checkout.pricing import MAX_LINE_QUANTITY
from shop.api import VerifiedImageField
from shop.money import format_money

MINOR_UNITS = _("In the currency's minor unit (sen for IDR).")
NEXT_HELP = _("The next page's URL, or null on the last page.")
NOTE_MAX = 300


# --- Fields ----------------------------------------------------------------------------------


class AmountField(serializers.IntegerField):
    """An amount in minor units, read-only."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", MINOR_UNITS)
        super().__init__(read_only=True, **kwargs)


@extend_schema_field({"type": "string", "example": "Rp150.000"})
class AmountDisplayField(serializers.ReadOnlyField):
    """An amount formatted for the active language ("Rp150.000")."""

    def to_representation(self, value) -> str:
        return format_money(value)


class CurrencyMixin(serializers.Serializer):
    currency = serializers.SerializerMethodField(help_text=_("ISO 4217 code of the amounts."))

    def get_currency(self, obj) -> str:
        return getattr(obj, "currency", None) or settings.SHOP_CURRENCY


def amount_fields(*names: str) -> dict[str, serializers.Field]:
    """``name`` (minor units) and ``name_display`` for each of ``names``."""
    fields: dict[str, serializers.Field] = {}
    for name in names:
        fields[name] = AmountField()
        fields[f"{name}_display"] = AmountDisplayField(source=name)
    return fields


def with_amounts(*names: str):
    """Class decorator: add :func:`amount_fields` to a serializer (declared fields are
    collected by the metaclass, so they are added to ``_declared_fields`` here)."""

    def decorate(cls):
        for name, field in amount_fields(*names).items():
            cls._declared_fields[name] = field
        return cls

    return decorate


# --- Cart and quote ----------------------------------------------------------------------------


class ProductRefSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)


@with_amounts("unit_price", "price_seen", "line_total")
class QuoteLineSerializer(serializers.Serializer):
    """A cart line priced now. ``price_changed``: the price moved since it was added
    (``price_seen``); checkout charges ``unit_price``, and says so before placing."""

    id = serializers.IntegerField(
        source="line_id",
        read_only=True,
        allow_null=True,
        help_text=_("The cart line's id; null for a Buy now item or an offer's line."),
    )
    variant = serializers.IntegerField(source="variant.pk", read_only=True, help_text=_("The variant's id."))
    product = ProductRefSerializer(read_only=True)
    variant_label = serializers.CharField(source="variant.label", read_only=True)
    sku = serializers.CharField(source="variant.sku", read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    stock = serializers.IntegerField(source="variant.stock", read_only=True, help_text=_("Units left now."))
    price_changed = serializers.BooleanField(read_only=True)
    problem = serializers.CharField(
        read_only=True, help_text=_("Why it cannot be bought as it is (sold out, not enough, off sale), or empty.")
    )


@with_amounts("subtotal", "shipping", "discount", "cod_fee", "total")
class StoreQuoteSerializer(serializers.Serializer):
    """One store's part: it becomes one order."""

    store = StoreSummarySerializer(read_only=True)
    lines = QuoteLineSerializer(many=True, read_only=True)
    free_shipping = serializers.BooleanField(read_only=True)


@with_amounts("subtotal", "shipping", "discount", "cod_fee", "total")
class CartSerializer(CurrencyMixin, serializers.Serializer):
    """The signed-in shopper's cart, grouped by store, priced now (shipping included; no
    discount or payment fee until checkout)."""

    stores = StoreQuoteSerializer(many=True, read_only=True)
    item_count = serializers.IntegerField(read_only=True, help_text=_("The sum of the quantities."))
    has_problems = serializers.SerializerMethodField(help_text=_("Some line cannot be bought as it is."))
    has_price_changes = serializers.SerializerMethodField(
        help_text=_("Some price changed since it was added: accept the new prices to stop the flag.")
    )

    def get_has_problems(self, quote) -> bool:
        return bool(quote.line_problems)

    def get_has_price_changes(self, quote) -> bool:
        return bool(quote.price_changes)


class PaymentMethodOptionSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices, read_only=True)
    label = serializers.CharField(read_only=True)
    available = serializers.BooleanField(read_only=True)
    reason = serializers.CharField(read_only=True, help_text=_("Why it cannot be used for this cart, or empty."))


class QuoteSerializer(CartSerializer):
    """Everything the shopper will be charged, store by store, and whether it can be placed."""

    payment_method = serializers.CharField(read_only=True, help_text=_("The method quoted, or empty."))
    discount_code = serializers.CharField(
        source="discount_code.code", read_only=True, allow_null=True, help_text=_("The code applied, or null.")
    )
    address = serializers.IntegerField(
        source="address_id", read_only=True, allow_null=True, help_text=_("The address it ships to, or null.")
    )
    payment_methods = serializers.SerializerMethodField(
        help_text=_("Every method offered, and why one cannot be used.")
    )
    errors = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("What stops placing, by field: `discount_code`, `payment_method`, `address`."),
    )
    digest = serializers.CharField(
        read_only=True,
        help_text=_("A fingerprint of what is charged: send it back as `quote_digest` when placing the order."),
    )
    can_place = serializers.BooleanField(read_only=True)
    unique_code_note = serializers.SerializerMethodField(
        help_text=_("Bank transfer: a few rupiah are added to each order when it is placed.")
    )

    @extend_schema_field(PaymentMethodOptionSerializer(many=True))
    def get_payment_methods(self, quote):
        return [
            {"method": method, "label": str(label), "available": not reason, "reason": reason}
            for method, label, reason in quote.methods
        ]

    def get_unique_code_note(self, quote) -> str:
        if quote.payment_method != PaymentMethod.BANK_TRANSFER:
            return ""
        return str(
            _("A unique code of a few rupiah is added to each order's total so the seller can match your transfer.")
        )


class CartLineCreateSerializer(serializers.Serializer):
    variant = serializers.IntegerField(min_value=1, max_value=MAX_BIGINT, help_text=_("The variant's id."))
    quantity = serializers.IntegerField(
        min_value=1,
        max_value=MAX_LINE_QUANTITY,
        default=1,
        help_text=_("Added to what the cart already holds of it."),
    )


class CartLineUpdateSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(
        min_value=0, max_value=MAX_LINE_QUANTITY, help_text=_("The new quantity; 0 removes the line.")
    )


# --- Addresses ---------------------------------------------------------------------------------


class AddressSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    label = serializers.CharField(max_length=30, required=False, allow_blank=True, help_text=_("Home, Office..."))
    recipient = serializers.CharField(max_length=80)
    phone = serializers.CharField(
        max_length=24, help_text=_("An Indonesian mobile number, e.g. 081234567890 or +62 812-3456-7890.")
    )
    street = serializers.CharField(max_length=200)
    district = serializers.CharField(max_length=80, help_text=_("The kecamatan."))
    city = serializers.CharField(max_length=80, help_text=_("The city or regency."))
    province = serializers.ChoiceField(choices=PROVINCE_CHOICES)
    postal_code = serializers.CharField(max_length=5, help_text=_("Five digits."))
    is_default = serializers.BooleanField(
        required=False,
        help_text=_(
            "Send true to make it your default address (your first address always is). "
            "To move the default, make another address the default."
        ),
    )
    created_at = serializers.DateTimeField(read_only=True)


# --- Placing -----------------------------------------------------------------------------------


class BuyNowItemSerializer(serializers.Serializer):
    """One variant and quantity bought on its own ("Buy now"), instead of the cart."""

    variant = serializers.IntegerField(min_value=1, max_value=MAX_BIGINT, help_text=_("The variant's id."))
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, default=1)


BUY_NOW_ITEM_HELP = _(
    "Buy now: this variant and quantity only, instead of your cart (which is left as it is). "
    "Leave out (or null) to check out the cart."
)


class QuoteRequestSerializer(serializers.Serializer):
    item = BuyNowItemSerializer(required=False, allow_null=True, help_text=BUY_NOW_ITEM_HELP)
    address = serializers.IntegerField(
        min_value=1,
        max_value=MAX_BIGINT,
        required=False,
        allow_null=True,
        help_text=_("One of your addresses' ids; leave out for your default address."),
    )
    discount_code = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices, required=False, allow_blank=True, default=""
    )


class PlaceOrderSerializer(serializers.Serializer):
    """What placing takes. Amounts are not among them: the server prices the cart again and
    refuses (409 `quote_changed`) if that is not what `quote_digest` says was shown."""

    address = serializers.IntegerField(min_value=1, max_value=MAX_BIGINT, help_text=_("One of your addresses' ids."))
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    discount_code = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    note = serializers.CharField(
        max_length=NOTE_MAX, required=False, allow_blank=True, default="", help_text=_("A note to the sellers.")
    )
    idempotency_key = serializers.CharField(
        max_length=64,
        help_text=_(
            "One per checkout attempt (a UUID): sending the same key again returns the first checkout "
            "instead of placing a second one."
        ),
    )
    quote_digest = serializers.CharField(max_length=64, help_text=_("The `digest` of the quote you showed."))
    item = BuyNowItemSerializer(
        required=False,
        allow_null=True,
        help_text=_("Buy now: the `item` you quoted. Leave out (or null) to check out the cart."),
    )


# --- Orders and payments -----------------------------------------------------------------------


class BankTransferSerializer(serializers.Serializer):
    """Where to transfer, and the exact amount (the unique code makes it recognisable)."""

    bank_name = serializers.CharField(read_only=True)
    account_number = serializers.CharField(source="bank_account_number", read_only=True)
    account_holder = serializers.CharField(source="bank_account_holder", read_only=True)
    amount = AmountField(source="total", help_text=_("Transfer exactly this, in minor units."))
    amount_display = AmountDisplayField(source="total")
    unique_code = AmountField(help_text=_("The few rupiah added to the total, in minor units."))
    pay_by = serializers.DateTimeField(source="expires_at", read_only=True, allow_null=True)
    proof_uploaded = serializers.SerializerMethodField()

    def get_proof_uploaded(self, order) -> bool:
        return bool(order.transfer_proof)


def awaiting_transfer(order) -> bool:
    return order.payment_method == PaymentMethod.BANK_TRANSFER and order.status == OrderStatus.PENDING_PAYMENT


@with_amounts("total")
class OrderSummarySerializer(CurrencyMixin, serializers.Serializer):
    number = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField(help_text=_("The order in the API."))
    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    store = StoreSummarySerializer(read_only=True)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices, read_only=True)
    placed_at = serializers.DateTimeField(read_only=True)
    pay_by = serializers.DateTimeField(
        source="expires_at", read_only=True, allow_null=True, help_text=_("Unpaid after this, it expires.")
    )
    bank_transfer = serializers.SerializerMethodField(
        help_text=_("While a bank transfer is awaited: where to send it and how much; otherwise null.")
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, order) -> str:
        # The buyer's URL, or the seller's desk when listing a store's orders.
        view_name = self.context.get("order_view_name", "api:order-detail")
        return absolute_url(self, reverse(view_name, kwargs={"number": order.number}))

    @extend_schema_field(BankTransferSerializer(allow_null=True))
    def get_bank_transfer(self, order):
        return BankTransferSerializer(order, context=self.context).data if awaiting_transfer(order) else None


@with_amounts("unit_price", "line_total")
class OrderLineSerializer(serializers.Serializer):
    """A line as bought (title, variant, SKU and price are copies)."""

    product_title = serializers.CharField(read_only=True)
    product = serializers.CharField(
        source="product.slug",
        read_only=True,
        allow_null=True,
        help_text=_("The product's slug; null if it was deleted."),
    )
    variant = serializers.IntegerField(source="variant_id", read_only=True, allow_null=True)
    variant_label = serializers.CharField(read_only=True)
    sku = serializers.CharField(read_only=True)
    quantity = serializers.IntegerField(read_only=True)


class OrderEventSerializer(serializers.Serializer):
    from_status = serializers.CharField(read_only=True, help_text=_("Empty for the first event (placed)."))
    to_status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    to_status_display = serializers.CharField(source="get_to_status_display", read_only=True)
    by = serializers.SerializerMethodField(help_text=_("Who made the change."))
    note = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field({"type": "string", "enum": ["buyer", "seller", "staff", "system"]})
    def get_by(self, event) -> str:
        order = self.context["order"]
        if event.actor_id is None:
            return "system"
        if event.actor_id == order.buyer_id:
            return "buyer"
        if event.actor_id == order.store.owner_id:
            return "seller"
        return "staff"


class ShippingAddressSerializer(serializers.Serializer):
    recipient = serializers.CharField(source="ship_recipient", read_only=True)
    phone = serializers.CharField(source="ship_phone", read_only=True)
    street = serializers.CharField(source="ship_street", read_only=True)
    district = serializers.CharField(source="ship_district", read_only=True)
    city = serializers.CharField(source="ship_city", read_only=True)
    province = serializers.CharField(source="ship_province", read_only=True)
    postal_code = serializers.CharField(source="ship_postal_code", read_only=True)


class TrackingSerializer(serializers.Serializer):
    carrier = serializers.CharField(read_only=True)
    tracking_number = serializers.CharField(read_only=True)
    shipped_at = serializers.DateTimeField(read_only=True)


@with_amounts("subtotal", "shipping", "discount", "cod_fee", "unique_code", "total", "refunded_amount")
class OrderSerializer(OrderSummarySerializer):
    """An order with its lines, amounts, address, timeline and what the caller may do next."""

    buyer = serializers.CharField(source="buyer.username", read_only=True)
    payment = serializers.IntegerField(source="payment_id", read_only=True, help_text=_("The payment's id."))
    lines = OrderLineSerializer(many=True, read_only=True)
    discount_code = serializers.CharField(source="discount_code.code", read_only=True, allow_null=True)
    shipping_address = ShippingAddressSerializer(source="*", read_only=True)
    buyer_note = serializers.CharField(read_only=True)
    tracking = serializers.SerializerMethodField(help_text=_("Carrier and tracking number once shipped, else null."))
    transfer_proof = serializers.SerializerMethodField(
        help_text=_("Where to get the uploaded proof of transfer (with your credentials), or null.")
    )
    events = serializers.SerializerMethodField(help_text=_("The status timeline, oldest first."))
    actions = serializers.SerializerMethodField(
        help_text=_("What you may do with it now, by the name of its endpoint (e.g. `cancel`, `ship`).")
    )
    paid_at = serializers.DateTimeField(read_only=True, allow_null=True)
    delivered_at = serializers.DateTimeField(read_only=True, allow_null=True)
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @extend_schema_field(TrackingSerializer(allow_null=True))
    def get_tracking(self, order):
        return TrackingSerializer(order).data if order.tracking_number else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_transfer_proof(self, order) -> str | None:
        if not order.transfer_proof:
            return None
        # A private file: its address is the API's, which checks who asks.
        return absolute_url(self, reverse("api:order-transfer-proof-image", kwargs={"number": order.number}))

    @extend_schema_field(OrderEventSerializer(many=True))
    def get_events(self, order):
        return OrderEventSerializer(order.events.all(), many=True, context={**self.context, "order": order}).data

    def get_actions(self, order) -> list[str]:
        actions = self.context.get("actions")
        return actions(order) if actions else []


class PaymentSerializer(CurrencyMixin, serializers.Serializer):
    """One checkout: how it is paid and the orders (one per store) it pays for."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:payment-detail")
    method = serializers.ChoiceField(choices=PaymentMethod.choices, read_only=True)
    status = serializers.ChoiceField(choices=Payment.Status.choices, read_only=True)
    amount = AmountField(help_text=_("The sum of the orders' totals, in minor units."))
    amount_display = AmountDisplayField(source="amount")
    created_at = serializers.DateTimeField(read_only=True)
    orders = OrderSummarySerializer(many=True, read_only=True)
    client_secret_url = serializers.SerializerMethodField(
        help_text=_("Card payments: POST here for the Stripe client secret; null for other methods.")
    )

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_client_secret_url(self, payment) -> str | None:
        if payment.method != PaymentMethod.CARD:
            return None
        return absolute_url(self, reverse("api:payment-client-secret", kwargs={"pk": payment.pk}))


class ClientSecretSerializer(serializers.Serializer):
    client_secret = serializers.CharField(read_only=True, help_text=_("For Stripe.js's Payment Element."))
    publishable_key = serializers.CharField(read_only=True)


# --- Order actions -----------------------------------------------------------------------------


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=NOTE_MAX, required=False, allow_blank=True, default="", help_text=_("Kept in the timeline.")
    )


class ShipSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=40, help_text=_("For example JNE or SiCepat."))
    tracking_number = serializers.CharField(max_length=60)


class TransferProofSerializer(serializers.Serializer):
    image = VerifiedImageField(help_text=_("A photo or screenshot of the transfer: JPEG, PNG or WebP."))


class OrderPageQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(
        required=False,
        max_length=200,
        help_text=_("Where the page starts: copy it from the previous page's `next` link; leave out for the first."),
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=50, help_text=_("How many orders a page holds, at most 50 (default 20).")
    )


class StoreOrderPageQuerySerializer(OrderPageQuerySerializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False, help_text=_("Only this status."))


@extend_schema_serializer(many=False)  # a page object, not a list: no array wrapping
class OrderPageSerializer(serializers.Serializer):
    results = OrderSummarySerializer(many=True, read_only=True)
    next = serializers.URLField(read_only=True, allow_null=True, help_text=NEXT_HELP)


class ConflictErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True, help_text=_("What happened, for a person to read."))
    code = serializers.ChoiceField(
        choices=[
            ("out_of_stock", _("Not enough stock for a line: nothing was placed, the cart is kept.")),
            ("quote_changed", _("Prices, shipping or the discount changed since the quote: get a new quote.")),
            ("illegal_transition", _("The order is not in a state that allows this.")),
            (
                "offer_unavailable",
                _("The offer can no longer be bought or changed: expired, bought, withdrawn, or a product left."),
            ),
        ],
        read_only=True,
    )
    # Not read-only: drf-spectacular makes every read-only field of a response required, and a
    # 409 carries a quote only when placing found the prices changed.
    quote = QuoteSerializer(
        required=False,
        help_text=_("Placing, `quote_changed` only: the quote as it is now. Place again with its `digest`."),
    )
