"""Flows: a store's automatic follow-ups. Imported at the end of ``marketing.models`` (like
``campaign_models``) so Django registers them with the app.

The semantics, which ``marketing.flows`` implements:

- ``Flow``: one per store and ``Flow.Kind`` (welcome, after delivery, win-back, browse
  abandonment, back in stock, abandoned cart), switched on or off by the seller. A switched
  off flow enrols nobody; its enrolments still running leave it (exit reason "flow_off") at
  the next evaluation. ``inactive_days`` is the win-back's N (days without a paid order);
  ``cooldown_days`` is the re-entry cooldown: a contact enrolled in a flow is not enrolled in
  it again until that many days after their last enrolment there (whatever became of it).
- ``FlowStep``: the emails of a flow, in ``position`` order (1, 2, ...). ``delay_hours`` is the
  wait before the step: after the trigger for the first step, after the previous step's
  send for the others. Subject, preheader and blocks are a campaign's
  (``marketing.campaigns.content``), plus blocks filled from the trigger itself
  (``marketing.flows.content``: the products of the order / cart / view / restock, the
  seller's usage tips for them, "you may also like").
- ``Enrolment``: one contact's way through one flow, started by one trigger.
  ``trigger_key`` names the trigger ("consent:<event id>", "order:<id>", "cart:<id>:<epoch>",
  "view:<product id>:<day>", "restock:<variant id>:<day>", "winback:<last order day>"); the
  unique (flow, contact, trigger_key) makes it one enrolment per trigger, and a partial unique
  constraint allows one *active* enrolment per contact and flow. ``position`` is the next step
  to send and ``due_at`` when (indexed for the active ones: the evaluation reads only those
  that are due). ``state``: active -> completed (every step sent) or exited (``exit_reason``:
  ordered, not_mailable, cart_changed, carted, sold_out, flow_off, ...), checked for every due
  enrolment set-based, and again for each one just before its email is sent.
- ``FlowSend``: one step sent (or tried) to one enrolment: unique (enrolment, step), so a step
  is sent at most once; ``state`` sending -> sent (with the ``MarketingSend`` the caps count),
  or failed (refused) or unknown (the worker died while it was in the mail server's hands:
  never sent again, as for campaigns). Clicks (``clicked_at``) and the orders credited
  (``FlowOrder``) make the per-step report.
- ``ProductTips``: the seller's usage tips for one of their products, sent after delivery.
- ``ProductView``: marketing's own small record of product pages seen by signed-in shoppers,
  one row per (user, product, day), fed by the event recorder (``shop.events``); browse
  abandonment and back in stock read it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, ProductVariant, Store
from marketing.campaign_models import PREHEADER_MAX, SUBJECT_MAX
from marketing.models import Contact

TIPS_MAX = 3000
EXIT_REASON_MAX = 20


class Flow(models.Model):
    """One automatic follow-up of a store (see the module's docstring)."""

    class Kind(models.TextChoices):
        WELCOME = "welcome", _("Welcome series")
        POST_DELIVERY = "post_delivery", _("After delivery")
        WIN_BACK = "win_back", _("Win-back")
        BROWSE_ABANDONMENT = "browse", _("Browse abandonment")
        BACK_IN_STOCK = "back_in_stock", _("Back in stock")
        ABANDONED_CART = "abandoned_cart", _("Abandoned cart")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="marketing_flows", verbose_name=_("store"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    enabled = models.BooleanField(_("switched on"), default=False)
    # Win-back: contacts whose last paid order is this many days old.
    inactive_days = models.PositiveIntegerField(_("days without an order"), default=90)
    # A contact enrolled here is not enrolled again until this many days after that.
    cooldown_days = models.PositiveIntegerField(_("re-entry cooldown (days)"), default=30)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("flow")
        verbose_name_plural = _("flows")
        ordering = ["store", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["store", "kind"], name="marketing_flow_once_per_store"),
            models.CheckConstraint(condition=Q(inactive_days__gte=1), name="marketing_flow_inactive_days"),
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class FlowStep(models.Model):
    """One email of a flow, sent ``delay_hours`` after the trigger (first step) or after the
    previous step."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="steps", verbose_name=_("flow"))
    position = models.PositiveSmallIntegerField(_("position"))
    delay_hours = models.PositiveIntegerField(_("wait (hours)"), default=24)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX)
    preheader = models.CharField(_("preheader"), max_length=PREHEADER_MAX, blank=True)
    blocks = models.JSONField(_("blocks"), default=list, blank=True)

    class Meta:
        verbose_name = _("flow step")
        verbose_name_plural = _("flow steps")
        ordering = ["flow", "position"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "position"], name="marketing_flowstep_position_once"),
            models.CheckConstraint(condition=Q(position__gte=1), name="marketing_flowstep_position_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.flow}: {self.position}"

    @property
    def store(self) -> Store:
        """For the campaign content renderer (it reads ``.store``)."""
        return self.flow.store

    @property
    def store_id(self) -> int:
        return self.flow.store_id


class Enrolment(models.Model):
    """One contact's way through one flow, from one trigger (see the module's docstring)."""

    class State(models.TextChoices):
        ACTIVE = "active", _("In the flow")
        COMPLETED = "completed", _("Every step sent")
        EXITED = "exited", _("Left the flow")

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("flow"))
    # The flow's store, copied: scoping and the set-based evaluation join nothing for it.
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="flow_enrolments")
    trigger_key = models.CharField(max_length=80)
    # What the trigger was about (the content blocks and exit conditions read them).
    order = models.ForeignKey("checkout.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    variant = models.ForeignKey(ProductVariant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    cart = models.ForeignKey("checkout.Cart", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    position = models.PositiveSmallIntegerField(_("next step"), default=1)
    due_at = models.DateTimeField(_("next step due"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    exit_reason = models.CharField(_("left because"), max_length=EXIT_REASON_MAX, blank=True)
    # Set by the evaluation when it hands the enrolment to a sending task; cleared by the
    # task. An old one (past MARKETING_CLAIM_LEASE_SECONDS) is the claim of a lost task.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("flow enrolment")
        verbose_name_plural = _("flow enrolments")
        ordering = ["-enrolled_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "contact", "trigger_key"], name="marketing_enrolment_per_trigger"),
            models.UniqueConstraint(
                fields=["flow", "contact"], condition=Q(state="active"), name="marketing_enrolment_one_active"
            ),
            models.CheckConstraint(
                condition=Q(state="active", due_at__isnull=False, finished_at__isnull=True)
                | (~Q(state="active") & Q(finished_at__isnull=False)),
                name="marketing_enrolment_state_dates",
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(state="active"), name="marketing_enrolment_due"),
            models.Index(fields=["contact", "flow", "-enrolled_at"], name="marketing_enrolment_contact"),
            models.Index(fields=["flow", "state", "position"], name="marketing_enrolment_report"),
        ]

    def __str__(self) -> str:
        return f"{self.flow_id}/{self.contact_id}: {self.trigger_key}"


class FlowSend(models.Model):
    """One step of one enrolment sent (or being sent): at most once (unique)."""

    class State(models.TextChoices):
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Refused by the mail server")
        UNKNOWN = "unknown", _("Interrupted (not sent again)")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="sends")
    step = models.ForeignKey(FlowStep, on_delete=models.CASCADE, related_name="sends")
    # Copied for the report and the click crediting (no join through the enrolment).
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="flow_sends")
    state = models.CharField(max_length=8, choices=State.choices, default=State.SENDING)
    started_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    # The provider's webhook said so (the first time: insights counts it once).
    delivered_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("flow email")
        verbose_name_plural = _("flow emails")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "step"], name="marketing_flowsend_once"),
        ]
        indexes = [
            models.Index(fields=["step", "state"], name="marketing_flowsend_report"),
            models.Index(fields=["contact", "clicked_at"], name="marketing_flowsend_click"),
            models.Index(fields=["state", "started_at"], name="marketing_flowsend_lease"),
            models.Index(fields=["message_id"], name="marketing_flowsend_msgid"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.step_id}: {self.state}"


class FlowOrder(models.Model):
    """An order paid within 7 days of its buyer's click in a flow email, credited to that
    step (the last click, campaign or flow, wins)."""

    send = models.ForeignKey(FlowSend, on_delete=models.CASCADE, related_name="orders")
    step = models.ForeignKey(FlowStep, on_delete=models.CASCADE, related_name="orders")
    order = models.OneToOneField("checkout.Order", on_delete=models.CASCADE, related_name="+")
    amount = models.BigIntegerField()
    credited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("order from a flow")
        verbose_name_plural = _("orders from flows")

    def __str__(self) -> str:
        return f"{self.step_id}: {self.order_id}"


class ProductTips(models.Model):
    """The seller's usage tips for one of their products (care, how to use, how to store),
    sent in the after-delivery flow."""

    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, related_name="marketing_tips", verbose_name=_("product")
    )
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", editable=False)
    text = models.TextField(_("usage tips"), max_length=TIPS_MAX)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("usage tips")
        verbose_name_plural = _("usage tips")

    def __str__(self) -> str:
        return str(self.product)


class ProductView(models.Model):
    """A signed-in shopper saw a product's page that day (the last time in ``last_at``).
    Written by ``marketing.flows.views_sink`` from the event recorder; rows older than
    ``PRODUCT_VIEW_KEEP_DAYS`` are deleted by the periodic scan."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_at = models.DateTimeField()

    class Meta:
        verbose_name = _("product viewed")
        verbose_name_plural = _("products viewed")
        constraints = [
            models.UniqueConstraint(fields=["user", "product", "day"], name="marketing_productview_once_a_day"),
        ]
        indexes = [
            models.Index(fields=["last_at"], name="marketing_productview_last"),
            models.Index(fields=["product", "last_at"], name="marketing_productview_product"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.product_id} ({self.day})"
