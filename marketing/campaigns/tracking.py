"""What happens to a campaign email after it left: clicks (the signed redirect), opens (the
pixel: recorded, but unreliable, since mail clients block images and proxies fetch them for
everyone), the provider's tracking webhooks (django-anymail's ``tracking`` signal: delivered,
bounced, complained, opened, clicked, unsubscribed), and the orders a click earned.

- A hard bounce or a complaint puts the address on the site's suppression list; a complaint
  rate over ``COMPLAINT_RATE_LIMIT`` (0.1 %) of the emails sent pauses the campaign.
- A click is also recorded through the event recorder (``shop.events``) as a campaign touch,
  which ``insights`` attributes orders to; and an order paid within ``CREDIT_WINDOW`` of a
  click by its buyer is credited to that campaign here (the last click wins), for the
  campaign's own report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from marketing.campaign_models import Campaign, CampaignOrder, Recipient
from marketing.campaigns import content, links
from marketing.models import Identity, Suppression
from marketing.sending import sent_email_of
from marketing.services.consent import suppress_address
from shop import events

log = logging.getLogger(__name__)

CREDIT_WINDOW = timedelta(days=7)
COMPLAINT_RATE_LIMIT = 0.001


def record_click(token: str, *, crawler: bool = False) -> str | None:
    """A click link followed: recorded (first click time kept) and the target returned (None
    when it no longer exists). A link scanner's or preview's fetch (``crawler``, the event
    recorder's user-agent check) leads on but counts no click. ``signing.BadSignature`` for
    a changed token."""
    recipient_id, key = links.read_click_token(token)
    recipient = Recipient.objects.select_related("campaign__store").filter(pk=recipient_id).first()
    if recipient is None:
        return None
    if crawler:
        return content.link_target(campaign=recipient.campaign, key=key)
    now = timezone.now()
    first = Recipient.objects.filter(pk=recipient.pk, clicked_at__isnull=True).update(clicked_at=now)
    campaign = recipient.campaign
    _record_click(recipient=recipient, first=bool(first), product_id=int(key[1:]) if key.startswith("p") else None)
    return content.link_target(campaign=campaign, key=key)


def _record_click(
    *, recipient: Recipient, first: bool, product_id: int | None = None, from_request: bool = True
) -> None:
    """The click as an event: a campaign touch for insights' attribution (the person's user,
    and in the redirect's request their visitor id), counted once per recipient (the first)."""
    user_id = (
        Identity.objects.filter(contact_id=recipient.contact_id, kind=Identity.Kind.USER)
        .values_list("user_id", flat=True)
        .first()
    )
    name = events.EventName.CAMPAIGN_EMAIL_CLICKED if first else events.EventName.CAMPAIGN_EMAIL_CLICKED_AGAIN
    events.record(
        name,
        store_id=recipient.campaign.store_id,
        product_id=product_id,
        user_id=user_id,
        source=events.Source.EMAIL,
        ref_id=recipient.campaign_id,
        from_request=from_request,
    )


def record_open(token: str) -> None:
    """The pixel was fetched (unreliable: see the module's docstring)."""
    recipient_id = links.read_open_token(token)
    Recipient.objects.filter(pk=recipient_id, opened_at__isnull=True).update(opened_at=timezone.now())


# --- The provider's webhooks (django-anymail) ---------------------------------------------------


def _recipient_of(event: object) -> Recipient | None:
    return sent_email_of(event, rows=Recipient.objects.select_related("campaign"), metadata_key="recipient")


def tracking_received(sender, event, esp_name: str, **kwargs) -> None:
    """django-anymail's ``tracking`` signal: the webhook was verified by anymail's own view
    (its basic auth or the provider's signature). Events for other email are ignored."""
    recipient = _recipient_of(event)
    kind = event.event_type
    if recipient is None:
        if kind in ("bounced", "complained") and event.recipient:
            _suppress_for(kind, event)
        return
    at = event.timestamp or timezone.now()
    field = {
        "delivered": "delivered_at",
        "bounced": "bounced_at",
        "complained": "complained_at",
        "opened": "opened_at",
        "clicked": "clicked_at",
        "unsubscribed": "unsubscribed_at",
    }.get(kind)
    if field is None:
        return
    first = Recipient.objects.filter(pk=recipient.pk, **{f"{field}__isnull": True}).update(**{field: at})
    if kind == "delivered" and first:
        # The webhook's request is the provider's script, not the shopper (and looks like a crawler).
        events.record(
            events.EventName.CAMPAIGN_EMAIL_DELIVERED,
            store_id=recipient.campaign.store_id,
            ref_id=recipient.campaign_id,
            source=events.Source.EMAIL,
            from_request=False,
        )
    if kind == "clicked" and first:
        # The provider's own click tracking saw it before the signed redirect did (or instead).
        _record_click(recipient=recipient, first=True, from_request=False)
    if kind in ("bounced", "complained"):
        _suppress_for(kind, event, email=event.recipient or _address_of(recipient))
    if kind == "complained" and first:
        pause_if_complaints_too_many(recipient.campaign)
    if kind == "unsubscribed":
        from marketing.models import Source
        from marketing.services.consent import withdraw_consent

        withdraw_consent(contact=recipient.contact, source=Source.LINK)


def _address_of(recipient: Recipient) -> str:
    consent = getattr(recipient.contact, "consent", None)
    return consent.email if consent is not None else ""


def _suppress_for(kind: str, event, email: str = "") -> None:
    email = email or event.recipient or ""
    if not email:
        return
    if kind == "complained":
        suppress_address(email=email, reason=Suppression.Reason.COMPLAINT)
    elif kind == "bounced" and _is_hard_bounce(event):
        suppress_address(email=email, reason=Suppression.Reason.HARD_BOUNCE)


def _is_hard_bounce(event) -> bool:
    """anymail's "bounced" is a permanent failure (temporary ones are "deferred"); a reject
    reason of "bounced" or "invalid" confirms it."""
    return event.event_type == "bounced" and (event.reject_reason in (None, "bounced", "invalid", "other"))


def pause_if_complaints_too_many(campaign: Campaign) -> bool:
    figures = Recipient.objects.filter(campaign=campaign).aggregate(
        sent=Count("pk", filter=Q(sent_at__isnull=False)), complained=Count("pk", filter=Q(complained_at__isnull=False))
    )
    if figures["complained"] <= COMPLAINT_RATE_LIMIT * max(figures["sent"], 1):
        return False
    paused = Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.SENDING).update(
        state=Campaign.State.PAUSED, paused_reason="complaints"
    )
    if paused:
        log.warning("Campaign %s paused: %s complaints of %s sent", campaign.pk, figures["complained"], figures["sent"])
    return bool(paused)


# --- Orders earned ------------------------------------------------------------------------------


def order_paid(sender, order, **kwargs) -> None:
    """checkout's ``order_paid``: credit the order to the campaign its buyer last clicked in
    the store's emails within ``CREDIT_WINDOW`` before it was paid (a click after the payment
    earned nothing, even when the signal is late). Once per order."""
    paid_at = order.paid_at or timezone.now()
    click = (
        Recipient.objects.filter(
            campaign__store_id=order.store_id,
            clicked_at__gte=paid_at - CREDIT_WINDOW,
            clicked_at__lte=paid_at,
            contact__identities__kind=Identity.Kind.USER,
            contact__identities__user_id=order.buyer_id,
        )
        .order_by("-clicked_at")
        .values("campaign_id", "contact_id", "clicked_at")
        .first()
    )
    if click is None:
        return
    from marketing.flows.tracking import last_flow_click

    flow_click = last_flow_click(store_id=order.store_id, buyer_id=order.buyer_id, paid_at=paid_at)
    if flow_click is not None and flow_click["clicked_at"] > click["clicked_at"]:
        return  # a flow email was clicked last: credited to its step (marketing.flows.tracking)
    try:
        with transaction.atomic():
            CampaignOrder.objects.get_or_create(
                order=order,
                defaults={
                    "campaign_id": click["campaign_id"],
                    "contact_id": click["contact_id"],
                    "amount": order.total,
                },
            )
    except IntegrityError:
        pass  # credited by a parallel delivery of the signal


# --- The report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    recipients: int
    sent: int
    delivered: int
    bounced: int
    complained: int
    opened: int  # unreliable
    clicked: int
    unsubscribed: int
    skipped: int
    failed: int
    interrupted: int
    queued: int
    orders: int
    revenue: int  # minor units

    @property
    def click_rate(self) -> float:
        return self.clicked / self.sent if self.sent else 0.0


def campaign_report(campaign: Campaign) -> Report:
    """Two queries: the recipients' figures and the orders credited."""
    figures = Recipient.objects.filter(campaign=campaign).aggregate(
        recipients=Count("pk"),
        sent=Count("pk", filter=Q(state=Recipient.State.SENT)),
        delivered=Count("pk", filter=Q(delivered_at__isnull=False)),
        bounced=Count("pk", filter=Q(bounced_at__isnull=False)),
        complained=Count("pk", filter=Q(complained_at__isnull=False)),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        # Told by the provider, or the consent withdrawn within a week of this email.
        unsubscribed=Count(
            "pk",
            filter=Q(unsubscribed_at__isnull=False)
            | Q(
                sent_at__isnull=False,
                contact__consent__withdrawn_at__gte=F("sent_at"),
                contact__consent__withdrawn_at__lte=F("sent_at") + CREDIT_WINDOW,
            ),
        ),
        skipped=Count("pk", filter=Q(state=Recipient.State.SKIPPED)),
        failed=Count("pk", filter=Q(state=Recipient.State.FAILED)),
        interrupted=Count("pk", filter=Q(state=Recipient.State.UNKNOWN)),
        queued=Count(
            "pk", filter=Q(state__in=[Recipient.State.QUEUED, Recipient.State.CLAIMED, Recipient.State.SENDING])
        ),
    )
    orders = CampaignOrder.objects.filter(campaign=campaign).aggregate(orders=Count("pk"), revenue=Sum("amount"))
    return Report(**figures, orders=orders["orders"] or 0, revenue=orders["revenue"] or 0)
