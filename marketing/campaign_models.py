"""Campaigns: saved segments, campaigns, one recipient row per (campaign, contact), and the log
of every marketing email sent (campaigns and, later, flows), which the frequency caps read.

Imported at the end of ``marketing.models`` (so Django registers them with the app); kept in
their own module so the customer list and the campaigns can change side by side.

A recipient moves through ``Recipient.State`` by conditional updates only
(``marketing.campaigns.engine``): queued -> claimed (a chunk task owns it) -> sending (the
SMTP conversation is under way) -> sent; or skipped (not mailable any more, capped), failed
(the server refused it), unknown (the worker died while it was being sent: never sent again).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Store
from marketing.models import Contact

SUBJECT_MAX = 150
PREHEADER_MAX = 200
NAME_MAX = 120


class Segment(models.Model):
    """A saved audience: every contact of ``mailable_contacts`` that matches all ``rules``
    (``marketing.campaigns.segments`` states the rule kinds and evaluates them as one query)."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="marketing_segments", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=NAME_MAX)
    # [{"kind": "bought_product", "product": 12}, {"kind": "language", "language": "id"}, ...]
    rules = models.JSONField(_("rules"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """One email to a segment. Its content is ``blocks`` (``marketing.campaigns.content``)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    class Variant(models.TextChoices):
        A = "a", _("Subject A")
        B = "b", _("Subject B")

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="marketing_campaigns", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=NAME_MAX)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX)
    preheader = models.CharField(_("preheader"), max_length=PREHEADER_MAX, blank=True)
    blocks = models.JSONField(_("blocks"), default=list, blank=True)
    # Empty: every mailable contact of the store.
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, null=True, blank=True, related_name="campaigns", verbose_name=_("segment")
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    # A/B subject test: with ``subject_b``, ``ab_test_percent`` of the audience gets A or B
    # (half each); after ``ab_wait_minutes`` the subject with more clicks goes to the rest.
    subject_b = models.CharField(_("subject B"), max_length=SUBJECT_MAX, blank=True)
    ab_test_percent = models.PositiveSmallIntegerField(_("share tested (%)"), default=20)
    ab_wait_minutes = models.PositiveIntegerField(_("pick the winner after (minutes)"), default=240)
    ab_winner = models.CharField(_("winning subject"), max_length=1, choices=Variant.choices, blank=True)
    ab_decide_at = models.DateTimeField(null=True, blank=True, editable=False)
    audience_ready = models.BooleanField(default=False, editable=False)
    paused_reason = models.CharField(_("paused because"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "scheduled_at"], name="marketing_campaign_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ab_test_percent__gte=2, ab_test_percent__lte=100), name="marketing_campaign_ab_share"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_ab_test(self) -> bool:
        return bool(self.subject_b)

    def subject_for(self, variant: str) -> str:
        if variant == "b" or (variant == "" and self.ab_winner == "b"):
            return self.subject_b
        return self.subject


class Recipient(models.Model):
    """One contact of one campaign: created when the campaign starts (set-based, from the
    segment over ``mailable_contacts``), sent at most once."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        CLAIMED = "claimed", _("Being prepared")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Refused by the mail server")
        UNKNOWN = "unknown", _("Interrupted (not sent again)")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="campaign_recipients")
    # "a", "b": in the A/B test; "": the rest (the winner's subject), or no test.
    variant = models.CharField(max_length=1, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    skip_reason = models.CharField(max_length=20, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)  # unreliable: images blocked or fetched by proxies
    clicked_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("campaign recipient")
        verbose_name_plural = _("campaign recipients")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "contact"], name="marketing_recipient_once"),
        ]
        indexes = [
            models.Index(fields=["campaign", "state", "variant"], name="marketing_recipient_todo"),
            models.Index(fields=["message_id"], name="marketing_recipient_msgid"),
            models.Index(fields=["contact", "clicked_at"], name="marketing_recipient_click"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.contact_id}: {self.state}"


class MarketingSend(models.Model):
    """A marketing email that left (a campaign's or a flow's). The frequency caps count these
    (``marketing.sending``); ``ref`` says which send it was ("campaign:12", "flow:welcome:3")."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="marketing_sends")
    ref = models.CharField(max_length=60)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("marketing email sent")
        verbose_name_plural = _("marketing emails sent")
        indexes = [
            models.Index(fields=["store", "sent_at"], name="marketing_send_store_hour"),
            models.Index(fields=["contact", "sent_at"], name="marketing_send_contact_week"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} → {self.contact_id}"


class CampaignOrder(models.Model):
    """An order paid within ``marketing.campaigns.tracking.CREDIT_WINDOW`` of its buyer's click
    in a campaign email: credited to that campaign (the last click wins)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="orders")
    order = models.OneToOneField("checkout.Order", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, related_name="+")
    amount = models.BigIntegerField()
    credited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("order from a campaign")
        verbose_name_plural = _("orders from campaigns")

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.order_id}"
