"""What happens after a flow email left: its clicks (the signed redirect of
``marketing.flows.links``), the orders a click earned, and the report per step.

- A click records the first click time of the ``FlowSend`` (a link scanner's fetch leads on
  but counts nothing), and is recorded through the event recorder (``shop.events``) as a
  campaign click is: ``FLOW_EMAIL_CLICKED`` for the first (counted), ``..._CLICKED_AGAIN`` for
  a later one (a touch only), ``ref_id`` the flow; insights credits orders to it as to a
  campaign's click (the last click within 7 days). The email sent is recorded by the engine,
  its delivery here, from the provider's tracking webhook (``tracking_received``).
- An order paid within ``CREDIT_WINDOW`` (7 days, as for campaigns) of its buyer's click in
  one of the store's flow emails is credited to that step (``FlowOrder``), unless a campaign
  click is more recent: the last click wins, campaign or flow
  (``marketing.campaigns.tracking.order_paid`` makes the same comparison the other way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from checkout.models import Order
from marketing.campaigns.tracking import CREDIT_WINDOW
from marketing.flow_models import Enrolment, Flow, FlowOrder, FlowSend, FlowStep
from marketing.flows import content, links
from marketing.models import Identity
from marketing.sending import sent_email_of
from shop import events


def record_click(token: str, *, crawler: bool = False, now: datetime | None = None) -> str | None:
    """A flow email's link followed: the first click time kept, the target returned (None when
    it no longer exists). ``signing.BadSignature`` for a changed token."""
    send_id, key = links.read_click_token(token)
    send = FlowSend.objects.select_related("step__flow__store").filter(pk=send_id).first()
    if send is None:
        return None
    if not crawler:
        first = FlowSend.objects.filter(pk=send.pk, clicked_at__isnull=True).update(clicked_at=now or timezone.now())
        _record_click(send=send, first=bool(first), product_id=int(key[1:]) if key.startswith("p") else None)
    return content.link_target(step=send.step, key=key)


def _record_click(*, send: FlowSend, first: bool, product_id: int | None = None, from_request: bool = True) -> None:
    """The click as an event: a flow touch for insights' attribution (the person's user, and in
    the redirect's request their visitor id), counted once per email sent (the first)."""
    user_id = (
        Identity.objects.filter(contact_id=send.contact_id, kind=Identity.Kind.USER)
        .values_list("user_id", flat=True)
        .first()
    )
    events.record(
        events.EventName.FLOW_EMAIL_CLICKED if first else events.EventName.FLOW_EMAIL_CLICKED_AGAIN,
        store_id=send.step.flow.store_id,
        product_id=product_id,
        user_id=user_id,
        source=events.Source.EMAIL,
        ref_id=send.flow_id,
        from_request=from_request,
    )


def _send_of(event: object) -> FlowSend | None:
    """The flow email a provider's tracking event is about (the ``flow_send`` metadata the
    engine gave it, else its Message-ID)."""
    return sent_email_of(event, rows=FlowSend.objects.select_related("step__flow"), metadata_key="flow_send")


def tracking_received(sender: object, event: object, esp_name: str, **kwargs: object) -> None:
    """django-anymail's ``tracking`` signal (verified by anymail's view), for flow emails: the
    first "delivered" is recorded for insights, a click the provider saw first counts as the
    signed redirect's would. Bounces and complaints are the campaigns' receiver's (it
    suppresses the address whatever sent the email); other email is ignored."""
    kind = getattr(event, "event_type", "")
    if kind not in ("delivered", "clicked"):
        return
    send = _send_of(event)
    if send is None:
        return
    at = getattr(event, "timestamp", None) or timezone.now()
    field = "delivered_at" if kind == "delivered" else "clicked_at"
    first = FlowSend.objects.filter(pk=send.pk, **{f"{field}__isnull": True}).update(**{field: at})
    if not first:
        return
    # The webhook's request is the provider's script, not the shopper (and looks like a crawler).
    if kind == "delivered":
        events.record(
            events.EventName.FLOW_EMAIL_DELIVERED,
            store_id=send.step.flow.store_id,
            ref_id=send.flow_id,
            source=events.Source.EMAIL,
            from_request=False,
        )
    else:
        _record_click(send=send, first=True, from_request=False)


def last_flow_click(*, store_id: int, buyer_id: int, paid_at: datetime) -> dict | None:
    """The buyer's most recent click in the store's flow emails within ``CREDIT_WINDOW`` before
    ``paid_at`` (a click after the payment earned nothing): ``{"pk", "step_id", "clicked_at"}``
    or None."""
    return (
        FlowSend.objects.filter(
            flow__store_id=store_id,
            clicked_at__gte=paid_at - CREDIT_WINDOW,
            clicked_at__lte=paid_at,
            contact__identities__kind=Identity.Kind.USER,
            contact__identities__user_id=buyer_id,
        )
        .order_by("-clicked_at")
        .values("pk", "step_id", "clicked_at")
        .first()
    )


def order_paid(sender: object, order: Order, **kwargs: object) -> None:
    """checkout's ``order_paid``: credit the order to the flow step its buyer last clicked
    within ``CREDIT_WINDOW``, if no campaign click is more recent. Once per order."""
    from marketing.campaign_models import Recipient

    paid_at = order.paid_at or timezone.now()
    click = last_flow_click(store_id=order.store_id, buyer_id=order.buyer_id, paid_at=paid_at)
    if click is None:
        return
    newer_campaign_click = Recipient.objects.filter(
        campaign__store_id=order.store_id,
        clicked_at__gt=click["clicked_at"],
        clicked_at__lte=paid_at,
        contact__identities__kind=Identity.Kind.USER,
        contact__identities__user_id=order.buyer_id,
    ).exists()
    if newer_campaign_click:
        return
    try:
        with transaction.atomic():
            FlowOrder.objects.get_or_create(
                order=order, defaults={"send_id": click["pk"], "step_id": click["step_id"], "amount": order.total}
            )
    except IntegrityError:
        pass  # credited by a parallel delivery of the signal


@dataclass(frozen=True)
class StepReport:
    step: FlowStep
    sent: int
    failed: int
    interrupted: int
    clicked: int
    orders: int
    revenue: int  # minor units
    exited: int  # enrolments that left the flow before this step was sent

    @property
    def click_rate(self) -> float:
        return self.clicked / self.sent if self.sent else 0.0


def flow_report(flow: Flow) -> list[StepReport]:
    """One row per step, in order: four queries whatever the number of steps."""
    steps = list(FlowStep.objects.filter(flow=flow).order_by("position"))
    sends = {
        row["step_id"]: row
        for row in FlowSend.objects.filter(flow=flow)
        .values("step_id")
        .annotate(
            sent=Count("pk", filter=Q(state=FlowSend.State.SENT)),
            failed=Count("pk", filter=Q(state=FlowSend.State.FAILED)),
            interrupted=Count("pk", filter=Q(state=FlowSend.State.UNKNOWN)),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        )
    }
    orders = {
        row["step_id"]: row
        for row in FlowOrder.objects.filter(step__flow=flow)
        .values("step_id")
        .annotate(orders=Count("pk"), revenue=Sum("amount"))
    }
    exited = dict(
        Enrolment.objects.filter(flow=flow, state=Enrolment.State.EXITED)
        .values("position")
        .annotate(n=Count("pk"))
        .values_list("position", "n")
    )
    empty: dict = {}
    return [
        StepReport(
            step=step,
            sent=sends.get(step.pk, empty).get("sent", 0),
            failed=sends.get(step.pk, empty).get("failed", 0),
            interrupted=sends.get(step.pk, empty).get("interrupted", 0),
            clicked=sends.get(step.pk, empty).get("clicked", 0),
            orders=orders.get(step.pk, empty).get("orders", 0),
            revenue=orders.get(step.pk, empty).get("revenue", 0) or 0,
            exited=exited.get(step.position, 0),
        )
        for step in steps
    ]
