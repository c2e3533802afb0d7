"""Each store's customers: contacts, the identities they are known by, their consent to
marketing email (with its proof), the suppression list, and the log of merges.

One ``Contact`` per person per store. A person is known by ``Identity`` rows (an email
address, a phone number, a site account, a WhatsApp or Telegram id), each verified or not;
two contacts are joined only on a *verified* identity (the database allows one verified
holder of a value per store), and every join is a ``ContactMerge`` that can be undone.

Consent is per contact and per address: ``EmailConsent`` is the state now (requested,
confirmed by the double opt-in link, withdrawn); ``ConsentEvent`` is the append-only proof
(the exact text agreed to, when, from where, IP and user agent). ``Suppression`` holds the
addresses nobody may mail: a store's unsubscribes, and hard bounces and spam complaints for
the whole site. Addresses are matched by ``address_hash`` (SHA-256 of the lower-cased
address), so a suppression outlives the erasure of the contact it came from.

Every marketing send (campaigns, flows) reads its audience from
``marketing.selectors.mailable_contacts`` and nowhere else.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Store

NAME_MAX = 150
NOTE_MAX = 2000
TAG_MAX = 40
IDENTITY_MAX = 254
USER_AGENT_MAX = 400
CONSENT_TEXT_MAX = 2000


def normalise_email(address: str) -> str:
    return (address or "").strip().lower()


def address_hash(address: str) -> str:
    """What suppressions and consents match addresses on (hex SHA-256 of the lower-cased address)."""
    return hashlib.sha256(normalise_email(address).encode()).hexdigest()


class Source(models.TextChoices):
    """Where a contact (or a consent) came from."""

    ORDER = "order", _("Order")
    CHECKOUT = "checkout", _("Checkout checkbox")
    CHAT = "chat", _("Chat")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    FOLLOW = "follow", _("Follower")
    FORM = "form", _("Sign-up form")
    IMPORT = "import", _("CSV import")
    API = "api", _("API")
    SELLER = "seller", _("Seller")
    LINK = "link", _("Email link")
    ONE_CLICK = "one_click", _("One-click unsubscribe")


class RFMGroup(models.TextChoices):
    """Named groups of the nightly RFM scores (``marketing.rfm`` states the rule)."""

    NONE = "", _("No paid order yet")
    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal")
    NEW = "new", _("New")
    AT_RISK = "at_risk", _("At risk")
    LOST = "lost", _("Lost")


class Tag(models.Model):
    """A store's own tag for its contacts ("VIP", "Reseller")."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="marketing_tags", verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=TAG_MAX)

    class Meta:
        verbose_name = _("contact tag")
        verbose_name_plural = _("contact tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint("store", Lower("name"), name="marketing_tag_unique_per_store")]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """One person in a store's customer list."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="marketing_contacts", verbose_name=_("store")
    )
    name = models.CharField(_("name"), max_length=NAME_MAX, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    source = models.CharField(_("first seen through"), max_length=12, choices=Source.choices)
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts", verbose_name=_("tags"))
    note = models.TextField(_("private note"), max_length=NOTE_MAX, blank=True)
    # Set when this contact was merged into another (undoing the merge clears it). A merged
    # contact is kept so that the merge can be undone; no list, page or send shows it.
    merged_into = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now, editable=False)

    # The nightly figures (marketing.rfm); paid orders only, net of refunds and cancellations.
    order_count = models.PositiveIntegerField(_("paid orders"), default=0, editable=False)
    total_spent = models.BigIntegerField(_("total spent"), default=0, editable=False)
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True, editable=False)
    recency_score = models.PositiveSmallIntegerField(_("recency"), default=0, editable=False)
    frequency_score = models.PositiveSmallIntegerField(_("frequency"), default=0, editable=False)
    monetary_score = models.PositiveSmallIntegerField(_("monetary"), default=0, editable=False)
    rfm_group = models.CharField(
        _("group"), max_length=10, choices=RFMGroup.choices, default=RFMGroup.NONE, blank=True, editable=False
    )
    scored_at = models.DateTimeField(_("scored"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["store", "-created_at"], name="marketing_contact_newest"),
            models.Index(fields=["store", "rfm_group"], name="marketing_contact_group"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recency_score__lte=5, frequency_score__lte=5, monetary_score__lte=5),
                name="marketing_contact_scores_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"


class Identity(models.Model):
    """Something a contact is known by. ``value`` is normalised: a lower-cased email address,
    an E.164 phone number, the site user's id, the WhatsApp or Telegram id."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        USER = "user", _("Site account")
        WHATSAPP = "whatsapp", _("WhatsApp")
        TELEGRAM = "telegram", _("Telegram")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=IDENTITY_MAX)
    # Set for kind "user": the account, for joins with orders, chats and follows.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    verified = models.BooleanField(_("verified"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        ordering = ["kind", "pk"]
        constraints = [
            # One verified holder of a value per store: two contacts sharing one are one person.
            models.UniqueConstraint(
                fields=["store", "kind", "value"], condition=Q(verified=True), name="marketing_identity_verified_once"
            ),
            models.UniqueConstraint(fields=["contact", "kind", "value"], name="marketing_identity_once_per_contact"),
            models.CheckConstraint(
                condition=Q(kind="user", user__isnull=False) | (~Q(kind="user") & Q(user__isnull=True)),
                name="marketing_identity_user_iff_kind_user",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "kind", "value"], name="marketing_identity_lookup"),
            models.Index(fields=["user", "store"], name="marketing_identity_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class EmailConsent(models.Model):
    """A contact's consent to marketing email at one address, as it stands now. Changed only
    by ``marketing.services.consent``, each change with its ``ConsentEvent``."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="consent")
    email = models.CharField(_("email address"), max_length=IDENTITY_MAX)
    address_hash = models.CharField(max_length=64, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    requested_at = models.DateTimeField(_("asked"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("email consent")
        verbose_name_plural = _("email consents")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(state="requested", confirmed_at__isnull=True, withdrawn_at__isnull=True)
                    | Q(state="confirmed", confirmed_at__isnull=False, withdrawn_at__isnull=True)
                    | Q(state="withdrawn", withdrawn_at__isnull=False)
                ),
                name="marketing_consent_state_dates",
            ),
        ]
        indexes = [models.Index(fields=["address_hash"], name="marketing_consent_addr")]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_state_display()}"


class ConsentEvent(models.Model):
    """The proof: one row per consent asked, confirmed or withdrawn. Append-only (written by
    ``marketing.services.consent`` only; the admin shows it read-only); deleted only with
    its contact when the contact is erased on request."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", _("Consent given, confirmation sent")
        CONFIRMED = "confirmed", _("Confirmed by the email link")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consent_events")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", editable=False)
    kind = models.CharField(_("what happened"), max_length=10, choices=Kind.choices)
    email = models.CharField(_("email address"), max_length=IDENTITY_MAX)
    source = models.CharField(_("from where"), max_length=12, choices=Source.choices)
    text = models.TextField(_("text agreed to"), max_length=CONSENT_TEXT_MAX, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=USER_AGENT_MAX, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["contact", "created_at"], name="marketing_event_contact")]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_kind_display()}"


class Suppression(models.Model):
    """An address nobody may send marketing email to: a store's unsubscribe (``store`` set),
    or a hard bounce or spam complaint for the whole site (``store`` empty). Transactional
    email does not read it."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        HARD_BOUNCE = "hard_bounce", _("Hard bounce")
        COMPLAINT = "complaint", _("Spam complaint")

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("store")
    )
    address_hash = models.CharField(max_length=64, editable=False)
    # Blanked when the contact is erased; the hash stays so that the address is never mailed again.
    email = models.CharField(_("email address"), max_length=IDENTITY_MAX, blank=True)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppression list")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason="unsubscribed", store__isnull=False)
                | (~Q(reason="unsubscribed") & Q(store__isnull=True)),
                name="marketing_suppression_scope",
            ),
            models.UniqueConstraint(
                fields=["store", "address_hash"],
                condition=Q(store__isnull=False),
                name="marketing_suppression_once_per_store",
            ),
            models.UniqueConstraint(
                fields=["address_hash", "reason"],
                condition=Q(store__isnull=True),
                name="marketing_suppression_once_site_wide",
            ),
        ]
        indexes = [models.Index(fields=["address_hash"], name="marketing_suppressed_addr")]

    def __str__(self) -> str:
        return f"{self.email or self.address_hash[:12]}: {self.get_reason_display()}"


class ContactMerge(models.Model):
    """``merged`` was joined into ``kept`` because they shared a verified identity. What moved
    is recorded so that ``marketing.services.merges.undo_merge`` can put it back."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", editable=False)
    kept = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="merges_in", verbose_name=_("kept"))
    merged = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="merges_out", verbose_name=_("merged"))
    reason = models.CharField(_("shared identity"), max_length=IDENTITY_MAX + 12)
    # {"identities": [ids moved], "dropped": [[kind, value, verified], ...] (duplicates deleted),
    #  "events": [ids], "tags": [ids added to kept], "consent": "moved" | "kept" | "", "note": str}
    moved = models.JSONField(default=dict, editable=False)
    created_at = models.DateTimeField(_("merged"), default=timezone.now)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("contact merge")
        verbose_name_plural = _("contact merges")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.kept_id}"


class ContactErasure(models.Model):
    """That a store's contact was erased on request, and when: no personal data."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    erased_at = models.DateTimeField(_("erased"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("contact erasure")
        verbose_name_plural = _("contact erasures")
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"{self.store_id} @ {self.erased_at:%Y-%m-%d %H:%M}"


# Segments, campaigns, their recipients and the send log: their own module, registered here.
from marketing.campaign_models import (  # noqa: E402, F401
    Campaign,
    CampaignOrder,
    MarketingSend,
    Recipient,
    Segment,
)

# Flows (automatic follow-ups): their own module too.
from marketing.flow_models import (  # noqa: E402, F401
    Enrolment,
    Flow,
    FlowOrder,
    FlowSend,
    FlowStep,
    ProductTips,
    ProductView,
)
