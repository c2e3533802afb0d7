"""Conversations between a shopper and a store, their messages, and what moderates them.

One conversation per (store, shopper). Each side has a read watermark (the id of the last
message it read) and an unread counter; both change only in ``chat.services`` with the
conversation row locked, so the counter is exact under concurrent sends and reads. Message
bodies are stored as typed (plain text, never HTML): pages escape them when they render.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, ProductVariant, Store
from chat.channels.choices import Channel
from checkout.models import Order
from shop.fields import VerifiedImageField

BODY_MAX = 2000
CLIENT_ID_MAX = 64
NOTE_MAX = 1000
LABEL_MAX = 30
QUICK_REPLY_SHORTCUT_MAX = 30
QUICK_REPLY_TEXT_MAX = 1000
REPORT_NOTE_MAX = 500


class Side(models.TextChoices):
    """Who a message comes from, and whose watermark a read moves."""

    SHOPPER = "shopper", _("Shopper")
    STORE = "store", _("Store")
    SYSTEM = "system", _("Automatic")


class ChatSettings(models.Model):
    """A store's chat preferences. A store without a row uses the defaults."""

    store = models.OneToOneField(
        Store, on_delete=models.CASCADE, primary_key=True, related_name="chat_settings", verbose_name=_("store")
    )
    read_receipts = models.BooleanField(
        _("show read receipts"),
        default=True,
        help_text=_("Shoppers see “Seen” when you have read their messages."),
    )

    class Meta:
        verbose_name = _("chat settings")
        verbose_name_plural = _("chat settings")

    def __str__(self) -> str:
        return str(self.store)


class Label(models.Model):
    """A store's own tag for its conversations ("VIP", "Waiting for transfer")."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="chat_labels", verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=LABEL_MAX)

    class Meta:
        verbose_name = _("chat label")
        verbose_name_plural = _("chat labels")
        ordering = ["name"]
        constraints = [models.UniqueConstraint("store", Lower("name"), name="chat_label_unique_per_store")]

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("store"))
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("shopper")
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    # The inbox's order: the newest message's time (the start until there is one).
    last_message = models.ForeignKey(
        "Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    last_message_at = models.DateTimeField(_("last message"), default=timezone.now)
    # Watermarks: the id of the last message each side has read (0: none).
    shopper_last_read_id = models.BigIntegerField(default=0, editable=False)
    store_last_read_id = models.BigIntegerField(default=0, editable=False)
    shopper_unread = models.PositiveIntegerField(_("unread by the shopper"), default=0, editable=False)
    store_unread = models.PositiveIntegerField(_("unread by the store"), default=0, editable=False)
    # The newest message each side was emailed about (0: none). A side is emailed again only
    # once it has read that far: one email per unread conversation, never one per message.
    shopper_emailed_through_id = models.BigIntegerField(default=0, editable=False)
    store_emailed_through_id = models.BigIntegerField(default=0, editable=False)
    # Since when the shopper's oldest unanswered message waits for a person of the store to
    # answer (null: nobody waits). Automated messages do not count as an answer.
    shopper_waiting_since = models.DateTimeField(null=True, blank=True, editable=False)
    # Where the shopper last opened the chat from (a product, a post, an order), shown as a
    # card before their next message; empty once shown. {"kind": "product", "id": 12}.
    pending_context = models.JSONField(default=dict, blank=True, editable=False)
    # The store's own, never shown to the shopper.
    labels = models.ManyToManyField(Label, blank=True, related_name="conversations", verbose_name=_("labels"))
    store_note = models.TextField(_("private note"), max_length=NOTE_MAX, blank=True)
    # Where the shopper writes from: the site, or WhatsApp/Telegram (chat.channels), where the
    # store's replies are delivered.
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.SITE)

    # Set by ``chat.lock_objects.conversation_to_send`` (not a column): the sides that blocked the other.
    blocked_sides: list[str]

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "shopper"], name="chat_conversation_once_per_pair"),
        ]
        indexes = [
            models.Index(fields=["store", "-last_message_at", "-id"], name="chat_store_inbox"),
            models.Index(fields=["shopper", "-last_message_at", "-id"], name="chat_shopper_inbox"),
            # Unread first: the part of each inbox with unread messages, and the header's total.
            models.Index(
                fields=["store", "-last_message_at", "-id"], condition=Q(store_unread__gt=0), name="chat_store_unread"
            ),
            models.Index(
                fields=["shopper", "-last_message_at", "-id"],
                condition=Q(shopper_unread__gt=0),
                name="chat_shopper_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shopper} ↔ {self.store}"


class Message(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        IMAGE = "image", _("Picture")
        PRODUCT = "product", _("Product")
        ORDER = "order", _("Order")
        OFFER = "offer", _("Offer")
        DISCOUNT = "discount", _("Discount code")
        CONTEXT = "context", _("Opened from")
        # The store's assistant asks a question with answers to tap (chat.assistant.finder).
        CHOICES = "choices", _("Question with answers")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    # Null for what the site itself posts (an order's status), and for a deleted account.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sender_side = models.CharField(_("from"), max_length=8, choices=Side.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    # Plain text as typed: escaped when rendered, links made clickable then.
    body = models.TextField(_("message"), max_length=BODY_MAX, blank=True)
    image = VerifiedImageField(
        _("picture"), upload_to="chat/%Y/%m/", blank=True, width_field="image_width", height_field="image_height"
    )
    image_width = models.PositiveIntegerField(default=0, editable=False)
    image_height = models.PositiveIntegerField(default=0, editable=False)
    # A card's subject. A deleted product or variant leaves the card with its snapshot (data).
    offer = models.ForeignKey("Offer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    variant = models.ForeignKey(ProductVariant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # What the card showed when it was sent (title, price, order number...).
    data = models.JSONField(default=dict, blank=True)
    is_automated = models.BooleanField(_("automatic"), default=False)
    # Made by the sending client, unique per sender: a retried send finds its message.
    client_id = models.CharField(max_length=CLIENT_ID_MAX, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "client_id"], condition=~Q(client_id=""), name="chat_message_client_id_once"
            ),
            # What the site posts has no sender; a person's message names its side.
            models.CheckConstraint(
                condition=Q(sender_side__in=["shopper", "store"]) | Q(sender_side="system", sender__isnull=True),
                name="chat_message_side_valid",
            ),
        ]
        indexes = [models.Index(fields=["conversation", "id"], name="chat_message_thread")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ShopperWait(models.Model):
    """A shopper waiting for the store's answer: from their first unanswered message to the
    store's next message written by a person (automated ones do not answer). What the
    store's response figures are computed from (``chat.selectors.response_stats``)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="waits")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    asked_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("wait for an answer")
        verbose_name_plural = _("waits for an answer")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation"], condition=Q(answered_at__isnull=True), name="chat_one_open_wait"
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(answered_at__gte=F("asked_at")), name="chat_wait_ordered"
            ),
        ]
        indexes = [models.Index(fields=["store", "-asked_at"], name="chat_wait_store_recent")]

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.asked_at:%Y-%m-%d %H:%M}"


# What a person sends with ``chat.services.send_message``. Context cards come from opening a
# chat; offers have their own service (``chat.services.offers``).
SENDABLE_KINDS = (
    Message.Kind.TEXT,
    Message.Kind.IMAGE,
    Message.Kind.PRODUCT,
    Message.Kind.ORDER,
    Message.Kind.DISCOUNT,
)
SENDABLE_KIND_CHOICES = [(kind.value, kind.label) for kind in SENDABLE_KINDS]


class Block(models.Model):
    """One side of a (store, shopper) pair blocked the other: no new messages either way."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="chat_blocks")
    shopper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_blocks")
    blocked_by = models.CharField(
        _("blocked by"), max_length=8, choices=[(Side.SHOPPER, Side.SHOPPER.label), (Side.STORE, Side.STORE.label)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chat block")
        verbose_name_plural = _("chat blocks")
        constraints = [
            models.UniqueConstraint(fields=["store", "shopper", "blocked_by"], name="chat_block_once"),
            models.CheckConstraint(condition=Q(blocked_by__in=["shopper", "store"]), name="chat_block_side"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id} ⊘ {self.shopper_id} ({self.blocked_by})"


class Report(models.Model):
    """A participant reported a conversation; staff handle the queue in the admin."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        ABUSE = "abuse", _("Offensive or abusive")
        SCAM = "scam", _("Fraud or a scam")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        DISMISSED = "dismissed", _("Dismissed")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reporter_side = models.CharField(_("reported by"), max_length=8, choices=Side.choices)
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=REPORT_NOTE_MAX, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        verbose_name = _("chat report")
        verbose_name_plural = _("chat reports")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "reporter"], condition=Q(status="open"), name="chat_report_open_once"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], condition=Q(status="open"), name="chat_report_queue")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.conversation_id}"


class QuickReply(models.Model):
    """A store's saved answer, picked with ``/shortcut`` while typing. ``{buyer_name}``,
    ``{order_number}`` and ``{bank_account}`` are filled in for the conversation."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="quick_replies", verbose_name=_("store"))
    shortcut = models.SlugField(_("shortcut"), max_length=QUICK_REPLY_SHORTCUT_MAX, allow_unicode=False)
    text = models.TextField(_("text"), max_length=QUICK_REPLY_TEXT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("quick reply")
        verbose_name_plural = _("quick replies")
        ordering = ["shortcut"]
        constraints = [
            models.UniqueConstraint("store", Lower("shortcut"), name="chat_quick_reply_shortcut_once"),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


def unread_field(side: str) -> str:
    return "shopper_unread" if side == Side.SHOPPER else "store_unread"


def watermark_field(side: str) -> str:
    return "shopper_last_read_id" if side == Side.SHOPPER else "store_last_read_id"


def emailed_field(side: str) -> str:
    return "shopper_emailed_through_id" if side == Side.SHOPPER else "store_emailed_through_id"


OFFER_NOTE_MAX = 300
OFFER_LINES_MAX = 20


class Offer(models.Model):
    """A personal cart a store sends one shopper in their conversation: lines at optional
    special prices, a discount and a shipping amount, valid until a time, bought once. The
    shopper buys it through checkout's special terms (``chat.services.offers``); every
    amount is priced there from these stored terms, never from the client."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Bought")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="offers")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="chat_offers", verbose_name=_("store"))
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_offers", verbose_name=_("shopper")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    discount = models.PositiveBigIntegerField(_("discount"), default=0)
    # Null: the store's normal shipping, as for any checkout.
    shipping = models.PositiveBigIntegerField(_("shipping"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"))
    note = models.CharField(_("note"), max_length=OFFER_NOTE_MAX, blank=True)
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("order")
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    accepted_at = models.DateTimeField(_("bought"), null=True, blank=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="accepted", accepted_at__isnull=False) | ~Q(status="accepted"),
                name="chat_offer_accepted_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "-id"], name="chat_offer_thread"),
            # The open offers in the order their time runs out (chat.services.expire_offers).
            models.Index(fields=["valid_until", "id"], condition=Q(status="open"), name="chat_offer_open_until"),
        ]

    def __str__(self) -> str:
        return _("Offer #%(id)s") % {"id": self.pk}

    @property
    def current_status(self) -> str:
        """The status as the shopper sees it now: an open offer past its time is expired."""
        if self.status == self.Status.OPEN and self.valid_until <= timezone.now():
            return self.Status.EXPIRED
        return self.status

    def get_current_status_display(self) -> str:
        return str(self.Status(self.current_status).label)


class OfferLine(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="lines")
    # Null once the variant is deleted: the offer can no longer be bought (its snapshot stays).
    variant = models.ForeignKey(ProductVariant, on_delete=models.SET_NULL, null=True, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    # Null: the variant's price at the time of buying.
    unit_price = models.PositiveBigIntegerField(_("special price"), null=True, blank=True)
    title = models.CharField(_("product"), max_length=300)

    class Meta:
        verbose_name = _("offer line")
        verbose_name_plural = _("offer lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="chat_offer_line_quantity"),
            models.UniqueConstraint(fields=["offer", "variant"], name="chat_offer_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.title} × {self.quantity}"


# The assistant's rows live beside its code; imported here so they belong to this app.
from chat.assistant.models import (  # noqa: E402,F401
    AssistantEvent,
    AssistantSettings,
    AssistantState,
    CartNudge,
    FaqEntry,
    FinderChoice,
    FinderQuestion,
    Holiday,
    OpeningHours,
)

# The messaging channels' models (WhatsApp, Telegram) live in their own module.
from chat.channels.models import (  # noqa: E402, F401
    ChannelContact,
    ChannelTemplate,
    OrderUpdateDelivery,
    OutboundMessage,
    TelegramConnection,
    WebhookEvent,
    WhatsAppConnection,
    WhatsAppOrderUpdates,
)
