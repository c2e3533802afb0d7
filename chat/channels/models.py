"""Messaging channels: a store's WhatsApp Business number (Cloud API) and Telegram bot, the
people who write from them, the raw events the providers post, and the delivery of the
store's replies.

A person writing from WhatsApp or Telegram becomes a ``ChannelContact`` of the store, tied to
a ``shop.User`` made for them that cannot log in (inactive, unusable password, no email): the
inbox, unread counts and the store's reply path work on that user unchanged, and every site
feature that lists people (they all read active users only) never shows them.

Secrets: the access token and the bot token are kept to call the providers and never shown
again (the admin's form is write-only). The Telegram webhook's secret token is ours, random,
and only its SHA-256 is stored, indexed: the webhook finds the store by the hash of the header.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Store
from chat.channels.choices import Channel

PROVIDER_ID_MAX = 200


class WhatsAppConnection(models.Model):
    """A store's WhatsApp Business number on the Cloud API. Inbound events name the number by
    ``phone_number_id`` (``entry[].changes[].value.metadata``); replies are posted to
    ``/{phone_number_id}/messages`` with the access token."""

    store = models.OneToOneField(
        Store, on_delete=models.CASCADE, related_name="whatsapp_connection", verbose_name=_("store")
    )
    phone_number_id = models.CharField(_("phone number ID"), max_length=64, unique=True)
    display_number = models.CharField(_("WhatsApp number"), max_length=32)
    access_token = models.TextField(_("access token"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("WhatsApp connection")
        verbose_name_plural = _("WhatsApp connections")

    def __str__(self) -> str:
        return f"{self.store} · WhatsApp {self.display_number}"


class TelegramConnection(models.Model):
    """A store's Telegram bot. ``secret_token_hash`` is the SHA-256 (hex) of the secret token
    given to ``setWebhook``, which Telegram sends back in ``X-Telegram-Bot-Api-Secret-Token``."""

    store = models.OneToOneField(
        Store, on_delete=models.CASCADE, related_name="telegram_connection", verbose_name=_("store")
    )
    bot_token = models.TextField(_("bot token"))
    bot_username = models.CharField(_("bot username"), max_length=64, blank=True)
    secret_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    webhook_registered_at = models.DateTimeField(_("webhook registered"), null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Telegram connection")
        verbose_name_plural = _("Telegram connections")

    def __str__(self) -> str:
        name = f"@{self.bot_username}" if self.bot_username else _("bot")
        return f"{self.store} · Telegram {name}"


class ChannelContact(models.Model):
    """Someone who wrote to a store from WhatsApp (``external_id``: their WhatsApp id, a phone
    number) or Telegram (the chat id). ``last_inbound_at``: their newest message, by the
    provider's clock, which opens WhatsApp's 24-hour window for free-form replies."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="channel_contacts")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    external_id = models.CharField(_("provider ID"), max_length=64)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)  # E.164, "+6281234567890"
    display_name = models.CharField(_("name"), max_length=150, blank=True)
    user = models.OneToOneField(
        "shop.User", on_delete=models.CASCADE, related_name="channel_contact", verbose_name=_("user")
    )
    last_inbound_at = models.DateTimeField(_("last message in"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("channel contact")
        verbose_name_plural = _("channel contacts")
        constraints = [
            models.UniqueConstraint(fields=["store", "channel", "external_id"], name="chat_channel_contact_once"),
            models.CheckConstraint(condition=Q(channel__in=["whatsapp", "telegram"]), name="chat_contact_channel"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.phone or self.external_id


class ChannelTemplate(models.Model):
    """A WhatsApp message template as approved by Meta for the store's account: the only thing
    the store may send once the 24-hour window is closed. ``body`` holds ``{{1}}``, ``{{2}}``...
    as registered; the seller fills them in."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="channel_templates")
    name = models.CharField(_("template name"), max_length=512)
    language = models.CharField(_("language code"), max_length=15, default="id")
    body = models.TextField(_("body"), max_length=1024)
    is_active = models.BooleanField(_("active"), default=True)
    purpose = models.CharField(
        _("used for"),
        max_length=20,
        choices=[
            ("", _("Writing to a customer")),
            ("order_placed", _("Order updates: placed ({{1}} order number, {{2}} total)")),
            ("order_paid", _("Order updates: paid ({{1}} order number)")),
            ("order_shipped", _("Order updates: shipped ({{1}} order number, {{2}} carrier, {{3}} tracking number)")),
        ],
        default="",
        blank=True,
    )

    class Meta:
        verbose_name = _("WhatsApp template")
        verbose_name_plural = _("WhatsApp templates")
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(fields=["store", "name", "language"], name="chat_template_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class WebhookEvent(models.Model):
    """One event a provider posted, stored once under its own id before anything is done with
    it: a WhatsApp message (its wamid), a WhatsApp status (``wamid:status``), a Telegram
    update (``update_id`` with the bot's store). A redelivery hits the unique key and changes
    nothing; a task processes each row once (``processed_at``)."""

    class Provider(models.TextChoices):
        WHATSAPP = "whatsapp", _("WhatsApp")
        TELEGRAM = "telegram", _("Telegram")

    provider = models.CharField(max_length=10, choices=Provider.choices)
    event_id = models.CharField(max_length=PROVIDER_ID_MAX)
    kind = models.CharField(max_length=20)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="chat_webhook_event_once"),
        ]
        indexes = [
            models.Index(fields=["received_at"], condition=Q(processed_at__isnull=True), name="chat_event_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.event_id}"


class OutboundMessage(models.Model):
    """The delivery of one of the store's messages through the conversation's channel. The
    state only moves forward (queued < sent < delivered < read); failed ends it. Callbacks
    arrive late and out of order, so every change is a conditional UPDATE on the rank."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Not delivered")

    message = models.OneToOneField("chat.Message", on_delete=models.CASCADE, related_name="outbound")
    conversation = models.ForeignKey("chat.Conversation", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    state = models.CharField(_("delivery"), max_length=10, choices=State.choices, default=State.QUEUED)
    # The provider's id for what was sent: the wamid, or "<chat id>:<message_id>" on Telegram.
    provider_message_id = models.CharField(max_length=PROVIDER_ID_MAX, null=True, blank=True, unique=True)
    template = models.ForeignKey(ChannelTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    template_params = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        indexes = [
            models.Index(fields=["created_at"], condition=Q(state="queued"), name="chat_outbound_queued"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.message_id}: {self.state}"


# The order a delivery's state moves in; failed is terminal and reachable from queued and sent.
STATE_RANK = {
    OutboundMessage.State.QUEUED: 0,
    OutboundMessage.State.SENT: 1,
    OutboundMessage.State.DELIVERED: 2,
    OutboundMessage.State.READ: 3,
}


def states_before(state: str) -> list[str]:
    """The states a delivery may be in for ``state`` to replace it."""
    if state == OutboundMessage.State.FAILED:
        return [OutboundMessage.State.QUEUED, OutboundMessage.State.SENT]
    rank = STATE_RANK[state]
    return [name for name, value in STATE_RANK.items() if value < rank]


class WhatsAppOrderUpdates(models.Model):
    """A buyer chose to get their orders' updates (placed, paid, shipped) on WhatsApp, from
    each store that has connected its WhatsApp number and has a template for the update."""

    user = models.OneToOneField("shop.User", on_delete=models.CASCADE, related_name="whatsapp_order_updates")
    phone = models.CharField(_("WhatsApp number"), max_length=20)  # E.164
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("order updates on WhatsApp")
        verbose_name_plural = _("order updates on WhatsApp")

    def __str__(self) -> str:
        return f"{self.user}: {self.phone}"


class OrderUpdateDelivery(models.Model):
    """One order update sent to a buyer's WhatsApp: once per (order, event); states as for
    ``OutboundMessage`` (forward only, from the status callbacks)."""

    order = models.ForeignKey("checkout.Order", on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=20)
    phone = models.CharField(max_length=20)
    template = models.ForeignKey(ChannelTemplate, on_delete=models.SET_NULL, null=True, related_name="+")
    params = models.JSONField(default=list)
    state = models.CharField(
        _("delivery"), max_length=10, choices=OutboundMessage.State.choices, default=OutboundMessage.State.QUEUED
    )
    provider_message_id = models.CharField(max_length=PROVIDER_ID_MAX, null=True, blank=True, unique=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("order update on WhatsApp")
        verbose_name_plural = _("order updates on WhatsApp")
        constraints = [models.UniqueConstraint(fields=["order", "event"], name="chat_order_update_once")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.event}: {self.state}"
