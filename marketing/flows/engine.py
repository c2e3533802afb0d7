"""Running the flows: the evaluation of every flow's due steps (set-based), and the sending of
one due enrolment's step (a Celery task each chunk), exactly once.

``evaluate(now=...)`` (every minute, ``marketing.tasks.evaluate_flows_task``):

1. the due enrolments (active, ``due_at <= now``: a partial index holds only the active ones)
   whose exit conditions hold leave their flow, one ``UPDATE`` per reason (``EXITS``);
2. the rest are *claimed* (``claimed_at = now``, one ``UPDATE ... RETURNING``; a claim older
   than ``MARKETING_CLAIM_LEASE_SECONDS`` is a lost task's and is taken again) and handed to
   ``send_flow_steps_task`` in chunks of ``MARKETING_FLOW_CHUNK_SIZE`` ids.

No Python loop over contacts: the work is proportional to the number of due enrolments.

``send_step(enrolment_id)`` (in the task), for one enrolment:

- under the enrolment's row lock: still active and due? The exit conditions again (a buyer who
  ordered a second ago leaves here), then the store's hourly cap (the enrolment waits until a
  place frees) and the person's weekly cap (it waits a day), then a ``FlowSend`` row in
  *sending* is written: unique per (enrolment, step), so no second task can send that step;
- the email goes out (over the task's one SMTP connection);
- accepted: the row becomes *sent*, the ``MarketingSend`` the caps count is written and the
  enrolment moves to its next step (``due_at`` = now + its delay) or is completed, in one
  transaction (then the email sent is recorded for insights, ``shop.events``); refused:
  *failed*, and the enrolment moves on too; the mail server away (no "250"): the row is
  deleted and the enrolment stays due (the task is retried with backoff).

A worker that dies between the two leaves a row in *sending*: the sweeper marks it *unknown*
after the lease and moves the enrolment on, never sending it again (campaigns make the same
trade-off: at most the one email in the mail server's hands per dead worker is unaccounted
for, none is sent twice).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from catalog.models import Product, ProductVariant
from checkout.models import Cart, CartLine
from marketing import tokens
from marketing.campaign_models import MarketingSend
from marketing.campaigns import content as campaign_content
from marketing.flow_models import Enrolment, Flow, FlowSend, FlowStep
from marketing.flows import content, links
from marketing.models import Contact, Identity
from marketing.selectors import mailable_contacts, mailable_contacts_everywhere
from marketing.sending import (
    MailServerTrouble,
    build_message,
    capacity_left,
    lock_store_sending,
    new_message_id,
    next_capacity_at,
    over_weekly_cap,
    provider_message_id,
)
from shop import events

log = logging.getLogger(__name__)

# A transparent pixel in the email itself: flows record no opens (unreliable anyway).
NO_PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
WEEKLY_CAP_WAIT = timedelta(days=1)
# Exit reasons (``Enrolment.exit_reason``).
FLOW_OFF = "flow_off"
NOT_MAILABLE = "not_mailable"
ORDERED = "ordered"
CART_CHANGED = "cart_changed"
CARTED = "carted"
SOLD_OUT = "sold_out"
GONE = "gone"
NO_STEPS = "no_steps"


# --- Exit conditions ----------------------------------------------------------------------------


def _user_of_contact(**extra: object) -> QuerySet[Identity]:
    """The contact's site accounts (``Identity`` of kind user) with ``extra`` joined filters."""
    return Identity.objects.filter(contact_id=OuterRef("contact_id"), kind=Identity.Kind.USER, **extra)


def _exits() -> list[tuple[str, tuple[str, ...] | None, Q]]:
    """``(reason, kinds it applies to (None: all), condition on Enrolment)``, in the order they
    are tried (the first that holds is the recorded reason)."""
    ordered = Exists(
        _user_of_contact(
            user__orders__store_id=OuterRef("store_id"), user__orders__placed_at__gte=OuterRef("enrolled_at")
        )
    )
    cart_changed = Q(cart__isnull=True) | Exists(
        Cart.objects.filter(pk=OuterRef("cart_id"), updated_at__gt=OuterRef("enrolled_at"))
    )
    cart_empty = ~Exists(CartLine.objects.filter(cart_id=OuterRef("cart_id"), variant__store_id=OuterRef("store_id")))
    carted = Exists(_user_of_contact(user__cart__lines__variant__product_id=OuterRef("product_id")))
    product_gone = Q(product__isnull=True) | ~Exists(Product.objects.active().filter(pk=OuterRef("product_id")))
    in_stock = Exists(ProductVariant.objects.filter(pk=OuterRef("variant_id"), stock__gt=0))
    return [
        (FLOW_OFF, None, Q(flow__enabled=False)),
        (NOT_MAILABLE, None, ~Exists(mailable_contacts_everywhere().filter(pk=OuterRef("contact_id")))),
        # Ordering ends every flow but the one about an order (its tips are still welcome).
        (ORDERED, tuple(k for k in Flow.Kind.values if k != Flow.Kind.POST_DELIVERY), ordered),
        (CART_CHANGED, (Flow.Kind.ABANDONED_CART,), cart_changed | cart_empty),
        (CARTED, (Flow.Kind.BROWSE_ABANDONMENT,), carted),
        (GONE, (Flow.Kind.BROWSE_ABANDONMENT, Flow.Kind.BACK_IN_STOCK), product_gone),
        (SOLD_OUT, (Flow.Kind.BACK_IN_STOCK,), Q(variant__isnull=True) | ~in_stock),
        (GONE, (Flow.Kind.POST_DELIVERY,), Q(order__isnull=True)),
    ]


def _flow_kind_filter(kinds: tuple[str, ...] | None) -> Q:
    return Q() if kinds is None else Q(flow__kind__in=kinds)


def exit_set(*, enrolments: QuerySet[Enrolment], now: datetime) -> dict[str, int]:
    """Every enrolment of ``enrolments`` (active ones) whose exit conditions hold leaves its
    flow: one ``UPDATE`` per reason. Returns how many left, by reason."""
    left: dict[str, int] = {}
    for reason, kinds, condition in _exits():
        ids = (
            enrolments.filter(state=Enrolment.State.ACTIVE)
            .filter(_flow_kind_filter(kinds))
            .filter(condition)
            .values("pk")
        )
        count = Enrolment.objects.filter(pk__in=ids, state=Enrolment.State.ACTIVE).update(
            state=Enrolment.State.EXITED, exit_reason=reason, finished_at=now, claimed_at=None
        )
        if count:
            left[reason] = left.get(reason, 0) + count
    return left


def exit_reason(*, enrolment: Enrolment) -> str:
    """The first exit condition that holds for ``enrolment`` now, or ""."""
    one = Enrolment.objects.filter(pk=enrolment.pk)
    for reason, kinds, condition in _exits():
        if kinds is not None and enrolment.flow.kind not in kinds:
            continue
        if one.filter(condition).exists():
            return reason
    return ""


def _leave(enrolment_id: int, reason: str, now: datetime) -> None:
    Enrolment.objects.filter(pk=enrolment_id, state=Enrolment.State.ACTIVE).update(
        state=Enrolment.State.EXITED, exit_reason=reason, finished_at=now, claimed_at=None
    )


# --- The evaluation -----------------------------------------------------------------------------


def due_enrolments(*, now: datetime) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(state=Enrolment.State.ACTIVE, due_at__lte=now)


def claim_due(*, now: datetime) -> list[int]:
    """Claim every due enrolment not claimed by a live task, in one statement. Returns the ids."""
    lease = now - timedelta(seconds=settings.MARKETING_CLAIM_LEASE_SECONDS)
    table = Enrolment._meta.db_table
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET claimed_at = %s WHERE state = %s AND due_at <= %s "
            "AND (claimed_at IS NULL OR claimed_at < %s) RETURNING id",
            [now, Enrolment.State.ACTIVE, now, lease],
        )
        return sorted(row[0] for row in cursor.fetchall())


def hand_over(ids: list[int]) -> int:
    """The claimed ids to ``send_flow_steps_task``, ``MARKETING_FLOW_CHUNK_SIZE`` a task.
    A hand-over lost to a broker outage is claimed again after the lease."""
    from marketing.tasks import send_flow_steps_task
    from shop.broker import publish

    size = settings.MARKETING_FLOW_CHUNK_SIZE
    chunks = 0
    for start in range(0, len(ids), size):
        publish(send_flow_steps_task, ids[start : start + size])
        chunks += 1
    return chunks


def evaluate(*, now: datetime | None = None, hand_over_to: Callable[[list[int]], int] | None = None) -> dict:
    """One evaluation of every flow's due steps (see the module's docstring). Returns the
    figures: ``{"exited": {reason: n}, "claimed": n, "chunks": n}``."""
    now = now or timezone.now()
    exited = exit_set(enrolments=due_enrolments(now=now), now=now)
    ids = claim_due(now=now)
    chunks = (hand_over_to or hand_over)(ids) if ids else 0
    return {"exited": exited, "claimed": len(ids), "chunks": chunks}


# --- Sending one step ---------------------------------------------------------------------------


def _step(enrolment: Enrolment) -> FlowStep | None:
    return FlowStep.objects.filter(flow_id=enrolment.flow_id, position=enrolment.position).first()


def _advance(enrolment: Enrolment, *, step: FlowStep, now: datetime) -> None:
    """After ``step`` was sent (or refused): the next step becomes due, or the flow is done."""
    following = (
        FlowStep.objects.filter(flow_id=enrolment.flow_id, position__gt=step.position).order_by("position").first()
    )
    rows = Enrolment.objects.filter(pk=enrolment.pk, state=Enrolment.State.ACTIVE, position=step.position)
    if following is None:
        rows.update(state=Enrolment.State.COMPLETED, finished_at=now, claimed_at=None, position=step.position + 1)
    else:
        rows.update(position=following.position, due_at=now + timedelta(hours=following.delay_hours), claimed_at=None)


def _begin(enrolment_id: int, *, now: datetime) -> tuple[str, FlowSend | None, Contact | None]:
    """Decide under the enrolment's lock, and write the *sending* row when the step goes out.
    Returns ``(outcome, the row, the contact with its consent)``."""
    with transaction.atomic():
        rows = Enrolment.objects.select_related("flow__store").filter(
            pk=enrolment_id, state=Enrolment.State.ACTIVE, due_at__lte=now
        )
        if db_connection.vendor == "postgresql":
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        enrolment = rows.first()
        if enrolment is None:
            return "not_due", None, None
        reason = exit_reason(enrolment=enrolment)
        if reason:
            _leave(enrolment.pk, reason, now)
            return reason, None, None
        step = _step(enrolment)
        if step is None:
            following = (
                FlowStep.objects.filter(flow_id=enrolment.flow_id, position__gt=enrolment.position)
                .order_by("position")
                .first()
            )
            if following is None:
                _leave(enrolment.pk, NO_STEPS, now)
                return NO_STEPS, None, None
            step = following  # a step was deleted: the next one is sent now
            Enrolment.objects.filter(pk=enrolment.pk).update(position=step.position)
            enrolment.position = step.position
        store = enrolment.flow.store
        lock_store_sending(store.pk)
        if capacity_left(store.pk, now=now) <= 0:
            Enrolment.objects.filter(pk=enrolment.pk).update(
                due_at=next_capacity_at(store.pk, now=now), claimed_at=None
            )
            return "hourly_cap", None, None
        if over_weekly_cap(store.pk, [enrolment.contact_id], now=now):
            Enrolment.objects.filter(pk=enrolment.pk).update(due_at=now + WEEKLY_CAP_WAIT, claimed_at=None)
            return "weekly_cap", None, None
        contact = mailable_contacts(store=store).filter(pk=enrolment.contact_id).first()
        if contact is None:
            _leave(enrolment.pk, NOT_MAILABLE, now)
            return NOT_MAILABLE, None, None
        try:
            with transaction.atomic():
                send = FlowSend.objects.create(
                    enrolment=enrolment,
                    step=step,
                    flow_id=enrolment.flow_id,
                    contact_id=enrolment.contact_id,
                    started_at=now,
                    message_id=new_message_id(),
                )
        except IntegrityError:
            return "already_sent", None, None
    send.enrolment = enrolment
    send.step = step
    return "sending", send, contact


def _message(send: FlowSend, contact: Contact, *, connection: BaseEmailBackend) -> EmailMultiAlternatives:
    enrolment, step = send.enrolment, send.step
    store = enrolment.flow.store
    page = content.render_step(step=step, enrolment=enrolment, language=contact.language or "")
    values = {
        "NAME": contact.name or contact.consent.email.split("@", 1)[0],
        "UNSUBSCRIBE": tokens.unsubscribe_url(store_id=store.pk, email=contact.consent.email),
        "OPEN": NO_PIXEL,
    }
    for index, key in enumerate(page.links):
        values[f"LINK{index}"] = links.click_url(send_id=send.pk, key=key)
    return build_message(
        store=store,
        contact=contact,
        subject=page.subject,
        text=campaign_content.personalise(page.text, values),
        html=campaign_content.personalise(page.html, campaign_content.html_values(values)),
        message_id=send.message_id,
        metadata={"flow_send": str(send.pk)},
        connection=connection,
    )


def _finish(send: FlowSend, *, state: str, message_id: str, now: datetime) -> None:
    with transaction.atomic():
        updated = FlowSend.objects.filter(pk=send.pk, state=FlowSend.State.SENDING).update(
            state=state, sent_at=now if state == FlowSend.State.SENT else None, message_id=message_id
        )
        if updated and state == FlowSend.State.SENT:
            MarketingSend.objects.create(
                store_id=send.enrolment.store_id,
                contact_id=send.contact_id,
                ref=f"flow:{send.enrolment.flow.kind}:{send.step_id}"[:60],
                sent_at=now,
            )
        if updated:
            _advance(send.enrolment, step=send.step, now=now)
    if updated and state == FlowSend.State.SENT:
        # For the seller's insights (an append; handed on when the task ends).
        events.record(
            events.EventName.FLOW_EMAIL_SENT,
            store_id=send.enrolment.store_id,
            ref_id=send.flow_id,
            source=events.Source.EMAIL,
            from_request=False,
        )


def send_step(*, enrolment_id: int, now: datetime | None = None, connection: BaseEmailBackend | None = None) -> str:
    """Send the due step of one enrolment, at most once (see the module's docstring).
    Returns what happened: "sent", "failed", an exit reason, "hourly_cap", "weekly_cap",
    "not_due", "already_sent". Raises ``MailServerTrouble`` when the server is away."""
    now = now or timezone.now()
    outcome, send, contact = _begin(enrolment_id, now=now)
    if send is None or contact is None:
        return outcome
    connection = connection or get_connection()
    try:
        message = _message(send, contact, connection=connection)
        accepted = connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused:
        _finish(send, state=FlowSend.State.FAILED, message_id=send.message_id, now=now)
        return "failed"
    except (smtplib.SMTPException, OSError) as exc:
        # No "250": the server did not take it. The step stays due, for the retry.
        with transaction.atomic():
            FlowSend.objects.filter(pk=send.pk, state=FlowSend.State.SENDING).delete()
            Enrolment.objects.filter(pk=enrolment_id).update(claimed_at=None)
        raise MailServerTrouble(str(exc)) from exc
    if not accepted:
        _finish(send, state=FlowSend.State.FAILED, message_id=send.message_id, now=now)
        return "failed"
    _finish(send, state=FlowSend.State.SENT, message_id=provider_message_id(message, send.message_id), now=now)
    return "sent"


def send_steps(*, enrolment_ids: list[int], now: datetime | None = None) -> dict[str, int]:
    """A chunk of claimed enrolments, over one SMTP connection. Returns the outcomes counted."""
    outcomes: dict[str, int] = {}
    connection = get_connection()
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as exc:
        raise MailServerTrouble(str(exc)) from exc
    try:
        for enrolment_id in enrolment_ids:
            outcome = send_step(enrolment_id=enrolment_id, now=now, connection=connection)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    finally:
        connection.close()
    return outcomes


# --- The sweeper --------------------------------------------------------------------------------


def sweep(*, now: datetime | None = None) -> int:
    """Steps left in *sending* by a dead worker, older than the lease: *unknown* (never sent
    again), and their enrolments move on. Returns how many."""
    now = now or timezone.now()
    before = now - timedelta(seconds=settings.MARKETING_CLAIM_LEASE_SECONDS)
    stale = list(
        FlowSend.objects.filter(state=FlowSend.State.SENDING, started_at__lt=before).select_related(
            "enrolment__flow", "step"
        )
    )
    for send in stale:
        with transaction.atomic():
            if FlowSend.objects.filter(pk=send.pk, state=FlowSend.State.SENDING).update(state=FlowSend.State.UNKNOWN):
                _advance(send.enrolment, step=send.step, now=now)
    return len(stale)
