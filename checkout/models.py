"""Carts, addresses, discount codes, orders (one per store) and their payments.

Money is in the site currency's minor unit (see ``shop.money``). Every total on an order
is computed on the server (``checkout.pricing``) and snapshotted here when it is placed.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import Product, ProductVariant, Store
from shop.fields import MoneyField, VerifiedImageField
from shop.private_media import private_storage

phone_validator = RegexValidator(
    r"^(\+62|62|0)8[1-9]\d{6,11}$",
    _("Enter an Indonesian mobile number, for example 081234567890 or +6281234567890."),
)
postal_code_validator = RegexValidator(r"^[1-9]\d{4}$", _("Enter the five-digit postal code, for example 12190."))

# The 38 provinces of Indonesia (2023).
PROVINCES = [
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Kepulauan Riau", "Jambi", "Bengkulu",
    "Sumatera Selatan", "Kepulauan Bangka Belitung", "Lampung", "Banten", "DKI Jakarta", "Jawa Barat",
    "Jawa Tengah", "DI Yogyakarta", "Jawa Timur", "Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur",
    "Kalimantan Barat", "Kalimantan Tengah", "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara",
    "Sulawesi Utara", "Gorontalo", "Sulawesi Tengah", "Sulawesi Barat", "Sulawesi Selatan",
    "Sulawesi Tenggara", "Maluku", "Maluku Utara", "Papua", "Papua Barat", "Papua Barat Daya",
    "Papua Tengah", "Papua Pegunungan", "Papua Selatan",
]  # fmt: skip
PROVINCE_CHOICES = [(name, name) for name in PROVINCES]


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    COD = "cod", _("Cash on delivery")


# --- Per-store settings -----------------------------------------------------------------


class StoreCheckoutSettings(models.Model):
    """How a store ships and gets paid. A store without a row uses the defaults below."""

    store = models.OneToOneField(
        Store, on_delete=models.CASCADE, primary_key=True, related_name="checkout_settings", verbose_name=_("store")
    )
    shipping_flat_rate = MoneyField(_("shipping, flat rate per order"), default=0)
    free_shipping_threshold = MoneyField(
        _("free shipping from"),
        null=True,
        blank=True,
        help_text=_("Orders whose subtotal reaches this amount ship free. Leave empty for never."),
    )
    bank_name = models.CharField(_("bank"), max_length=60, blank=True, help_text=_("For example BCA or Mandiri."))
    bank_account_number = models.CharField(
        _("account number"), max_length=30, blank=True, validators=[RegexValidator(r"^[0-9 -]+$")]
    )
    bank_account_holder = models.CharField(_("account holder"), max_length=80, blank=True)
    cod_enabled = models.BooleanField(_("accept cash on delivery"), default=False)
    cod_fee = MoneyField(_("cash on delivery fee"), default=0)
    cod_max_order = MoneyField(
        _("cash on delivery up to"),
        null=True,
        blank=True,
        help_text=_("The largest order total you accept cash for. Leave empty for no limit."),
    )

    class Meta:
        verbose_name = _("shipping and payment settings")
        verbose_name_plural = _("shipping and payment settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(shipping_flat_rate__gte=0) & Q(cod_fee__gte=0), name="store_checkout_amounts_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return str(self.store)

    @property
    def accepts_bank_transfer(self) -> bool:
        return bool(self.bank_name and self.bank_account_number and self.bank_account_holder)


# --- Addresses ----------------------------------------------------------------------------


class Address(models.Model):
    """An Indonesian shipping address in a shopper's address book."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("user")
    )
    label = models.CharField(_("label"), max_length=30, blank=True, help_text=_("For example Home or Office."))
    recipient = models.CharField(_("recipient"), max_length=80)
    phone = models.CharField(_("phone"), max_length=16, validators=[phone_validator])
    street = models.CharField(_("street address"), max_length=200)
    district = models.CharField(_("district (kecamatan)"), max_length=80)
    city = models.CharField(_("city or regency"), max_length=80)
    province = models.CharField(_("province"), max_length=40, choices=PROVINCE_CHOICES)
    postal_code = models.CharField(_("postal code"), max_length=5, validators=[postal_code_validator])
    is_default = models.BooleanField(_("default address"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(is_default=True), name="address_one_default_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}, {self.street}, {self.city}"

    @property
    def lines(self) -> list[str]:
        return [
            self.recipient,
            self.phone,
            self.street,
            f"{self.district}, {self.city}",
            f"{self.province} {self.postal_code}",
        ]


# --- Carts --------------------------------------------------------------------------------


class Cart(models.Model):
    """A shopper's cart: a signed-in user's (one each), or an anonymous visitor's, whose id
    lives in their session. Merged into the user's cart when they log in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cart",
        verbose_name=_("user"),
    )
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")

    def __str__(self) -> str:
        return str(_("Cart of %(owner)s") % {"owner": self.user or _("a visitor")})


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines", verbose_name=_("cart"))
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.CASCADE, related_name="cart_lines", verbose_name=_("variant")
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    # The price the shopper saw when they added it: a different current price is flagged.
    price_seen = MoneyField(_("price when added"))
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cart_line_unique_variant"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant}"


# --- Discount codes -----------------------------------------------------------------------


class DiscountCode(models.Model):
    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", _("Percentage")
        FIXED = "fixed", _("Fixed amount")

    code = models.CharField(
        _("code"),
        max_length=30,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", _("Use letters, digits, - and _ only."))],
        help_text=_("What shoppers type. Not case-sensitive."),
    )
    store = models.ForeignKey(
        Store,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="discount_codes",
        verbose_name=_("store"),
        help_text=_("Empty for a site-wide code."),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PERCENTAGE)
    # A percentage (1-100) or an amount in minor units, by ``kind``.
    value = models.PositiveBigIntegerField(
        _("value"), help_text=_("Percent for a percentage code; the amount in sen for a fixed one.")
    )
    min_spend = MoneyField(_("minimum spend"), default=0)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    usage_limit = models.PositiveIntegerField(_("total uses allowed"), null=True, blank=True)
    per_user_limit = models.PositiveIntegerField(_("uses allowed per shopper"), null=True, blank=True)
    times_used = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("discount code")
        verbose_name_plural = _("discount codes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(Upper("code"), name="discount_code_unique_ci"),
            models.CheckConstraint(
                condition=~Q(kind="percentage") | Q(value__gte=1, value__lte=100), name="discount_percentage_1_to_100"
            ),
            models.CheckConstraint(condition=Q(value__gte=1), name="discount_value_positive"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="discount_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(times_used__lte=models.F("usage_limit")),
                name="discount_used_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class DiscountRedemption(models.Model):
    """One use of a code by a shopper's checkout (counted for the per-shopper limit)."""

    code = models.ForeignKey(DiscountCode, on_delete=models.CASCADE, related_name="redemptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    payment = models.ForeignKey("Payment", on_delete=models.CASCADE, related_name="redemptions")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "payment"], name="discount_redeemed_once_per_checkout"),
        ]
        indexes = [models.Index(fields=["code", "user"], name="redemption_code_user")]

    def __str__(self) -> str:
        return f"{self.code} ({self.user})"


# --- Payments and orders ------------------------------------------------------------------


class Payment(models.Model):
    """One checkout: the orders placed together (one per store) and how they are paid.

    A card payment is one Stripe PaymentIntent for all of them; bank transfers and cash on
    delivery are settled order by order (each store has its own bank account and courier).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments", verbose_name=_("buyer")
    )
    # Sent by the checkout page (one per page view): pressing "Place order" twice finds this row.
    idempotency_key = models.CharField(max_length=64)
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    amount = MoneyField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    stripe_payment_intent = models.CharField(max_length=64, null=True, blank=True, unique=True)
    stripe_client_secret = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(fields=["buyer", "idempotency_key"], name="payment_unique_checkout_key"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} #{self.pk}"


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    REFUSED = "refused", _("Refused on delivery")
    REFUNDED = "refunded", _("Refunded")


class OrderQuerySet(models.QuerySet):
    def visible_to(self, user) -> OrderQuerySet:
        """Orders ``user`` may see: their own purchases, their store's sales; the site's staff
        (superusers: sellers are ``is_staff`` to use the admin) see all."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(Q(buyer=user) | Q(store__owner=user))


class Order(models.Model):
    """What one store sells to one buyer in one checkout."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders", verbose_name=_("buyer")
    )
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders", verbose_name=_("store"))
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="orders", verbose_name=_("payment"))
    payment_method = models.CharField(_("payment method"), max_length=16, choices=PaymentMethod.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT
    )
    currency = models.CharField(_("currency"), max_length=3)

    # The shipping address, copied: editing the address book later does not move a parcel.
    ship_recipient = models.CharField(_("recipient"), max_length=80)
    ship_phone = models.CharField(_("phone"), max_length=16)
    ship_street = models.CharField(_("street address"), max_length=200)
    ship_district = models.CharField(_("district"), max_length=80)
    ship_city = models.CharField(_("city"), max_length=80)
    ship_province = models.CharField(_("province"), max_length=40)
    ship_postal_code = models.CharField(_("postal code"), max_length=5)

    subtotal = MoneyField(_("subtotal"))
    shipping = MoneyField(_("shipping"), default=0)
    discount = MoneyField(_("discount"), default=0)
    discount_code = models.ForeignKey(
        DiscountCode, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    cod_fee = MoneyField(_("cash on delivery fee"), default=0)
    # Bank transfer: a few rupiah added so the seller can tell transfers of the same amount apart.
    unique_code = MoneyField(_("unique code"), default=0)
    total = MoneyField(_("total"))
    refunded_amount = MoneyField(_("refunded"), default=0)

    # Bank transfer details, copied from the store when the order was placed.
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    bank_account_number = models.CharField(_("account number"), max_length=30, blank=True)
    bank_account_holder = models.CharField(_("account holder"), max_length=80, blank=True)
    # Private: only the buyer, the store's owner and staff may see it (checkout:order_transfer_proof_image).
    transfer_proof = VerifiedImageField(
        _("proof of transfer"), upload_to="transfers/%Y/%m/", storage=private_storage, blank=True
    )

    carrier = models.CharField(_("carrier"), max_length=40, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    buyer_note = models.CharField(_("note to the seller"), max_length=300, blank=True)

    placed_at = models.DateTimeField(_("placed"), auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(_("pay by"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["buyer", "-placed_at"], name="order_buyer_newest"),
            models.Index(fields=["store", "status", "-placed_at"], name="order_store_status"),
            models.Index(fields=["expires_at"], condition=Q(status="pending_payment"), name="order_unpaid_expiry"),
            # Review requests and auto-completion look for orders delivered some days ago.
            models.Index(fields=["delivered_at"], condition=Q(delivered_at__isnull=False), name="order_delivered"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(subtotal__gte=0, shipping__gte=0, discount__gte=0, cod_fee__gte=0, unique_code__gte=0),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    total=models.F("subtotal")
                    + models.F("shipping")
                    - models.F("discount")
                    + models.F("cod_fee")
                    + models.F("unique_code")
                ),
                name="order_total_adds_up",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("total")),
                name="order_refund_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("checkout:order_detail", kwargs={"number": self.number})

    @property
    def shipping_lines(self) -> list[str]:
        return [
            self.ship_recipient,
            self.ship_phone,
            self.ship_street,
            f"{self.ship_district}, {self.ship_city}",
            f"{self.ship_province} {self.ship_postal_code}",
        ]

    @property
    def is_open(self) -> bool:
        return self.status in {OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.SHIPPED}

    @property
    def payment_state(self) -> tuple[str, str]:
        """``(code, label)`` of this order's payment, which is not the order's own state (a
        shipped order was paid; a shipped cash-on-delivery order is not paid yet)."""
        if self.refunded_amount:
            return "refunded", str(_("Refunded"))
        if self.paid_at:
            return "paid", str(_("Paid"))
        if self.payment_method == PaymentMethod.COD and self.status in {
            OrderStatus.PENDING_PAYMENT,
            OrderStatus.SHIPPED,
        }:
            return "on_delivery", str(_("Due on delivery"))
        if self.status == OrderStatus.PENDING_PAYMENT:
            return "awaiting", str(_("Awaiting payment"))
        return "unpaid", str(_("Not paid"))


class OrderLine(models.Model):
    """A line as it was bought: title, variant, SKU and unit price are copied."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order"))
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.SET_NULL, null=True, blank=True, related_name="order_lines"
    )
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="order_lines")
    product_title = models.CharField(_("product"), max_length=140)
    variant_label = models.CharField(_("variant"), max_length=200, blank=True)
    sku = models.CharField(_("SKU"), max_length=64)
    unit_price = MoneyField(_("unit price"))
    quantity = models.PositiveIntegerField(_("quantity"))
    line_total = MoneyField(_("total"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(line_total=models.F("unit_price") * models.F("quantity")), name="order_line_total_adds_up"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_title}"


class OrderEvent(models.Model):
    """One step of an order's timeline: who moved it from what to what, and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order"))
    from_status = models.CharField(max_length=16, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = pgettext_lazy("order timeline", "event")
        verbose_name_plural = pgettext_lazy("order timeline", "events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order}: {self.from_status or '-'} → {self.to_status}"


class StripeEvent(models.Model):
    """A Stripe webhook event already handled: the unique id makes a redelivery a no-op."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    payment_intent = models.CharField(max_length=64, blank=True, db_index=True)
    received_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField()

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
