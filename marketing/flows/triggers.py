"""Who enters a flow, and when.

- welcome: the contact confirmed their consent (``marketing.services.consent.confirm_consent``
  calls ``consent_confirmed`` on commit); trigger "consent:<event id>";
- after delivery: checkout's ``order_status_changed`` to delivered; every contact of the store
  holding the buyer's account; trigger "order:<id>";
- back in stock: catalog's ``variant_restocked`` (a task): the contacts whose account viewed
  the product in the last ``MARKETING_FLOW_INTEREST_DAYS`` days and has not the variant in
  the cart (those are told by checkout's back-in-stock notification already, and would be
  told twice); trigger "restock:<variant id>:<day>";
- win-back, browse abandonment, abandoned cart: a periodic scan (``scan``, a task every
  ``MARKETING_FLOW_SCAN_MINUTES``), each a set-based query per switched-on flow:
  - win-back: mailable contacts with a paid order whose last one (the nightly figures,
    ``Contact.last_order_at``) is ``Flow.inactive_days`` old; trigger "winback:<that day>", so
    a new order and a new lapse make a new trigger;
  - browse abandonment: a product page seen by the contact's account (``ProductView``) at
    least ``MARKETING_FLOW_BROWSE_AFTER_HOURS`` ago and within a day before that, with no cart
    line of that product and no order from the store since; trigger "view:<product>:<day>";
  - abandoned cart: the account's cart holds lines of the store and has not changed for
    ``ABANDONED_CART_AFTER_HOURS`` (at most ``CART_WITHIN`` ago); trigger
    "cart:<cart id>:<epoch of its last change>". This replaces checkout's notification
    reminder (removed), so nobody is reminded twice.

Every enrolment (``enrol_many``) needs: the flow switched on with at least one step, the
contact mailable now (``mailable_contacts``), no enrolment of the contact in that flow within
its ``cooldown_days`` (the re-entry cooldown), and the unique constraints do the rest (one
enrolment per trigger, one active per contact and flow: ``bulk_create`` ignores the conflicts).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from catalog.models import Product
from checkout.models import CartLine, Order, OrderStatus
from marketing.flow_models import Enrolment, Flow, FlowStep, ProductView
from marketing.models import Contact, Identity
from marketing.selectors import mailable_contacts

log = logging.getLogger(__name__)

CART_WITHIN = timedelta(days=7)
ENROL_BATCH = 2000


@dataclass(frozen=True)
class Candidate:
    """One would-be enrolment."""

    contact_id: int
    trigger_key: str
    order_id: int | None = None
    product_id: int | None = None
    variant_id: int | None = None
    cart_id: int | None = None


def _first_delay(flow: Flow) -> timedelta | None:
    step = FlowStep.objects.filter(flow=flow).order_by("position").values_list("position", "delay_hours").first()
    return None if step is None else timedelta(hours=step[1])


def _first_position(flow: Flow) -> int:
    return FlowStep.objects.filter(flow=flow).order_by("position").values_list("position", flat=True).first() or 1


def enrol_many(*, flow: Flow, candidates: Iterable[Candidate], now: datetime) -> int:
    """Enrol the candidates who may enter ``flow`` now (see the module's docstring), in
    batches. Returns how many enrolments were written."""
    delay = _first_delay(flow)
    if not flow.enabled or delay is None:
        return 0
    position = _first_position(flow)
    written = 0
    batch: list[Candidate] = []

    def write(rows: list[Candidate]) -> int:
        ids = {row.contact_id for row in rows}
        allowed = set(
            mailable_contacts(store=flow.store)
            .filter(pk__in=ids)
            .exclude(
                Exists(
                    Enrolment.objects.filter(
                        flow=flow,
                        contact_id=OuterRef("pk"),
                        enrolled_at__gt=now - timedelta(days=flow.cooldown_days),
                    )
                )
            )
            .values_list("pk", flat=True)
        )
        objects, seen = [], set()
        for row in rows:
            if row.contact_id not in allowed or row.contact_id in seen:
                continue  # one per contact and run: the one active enrolment a flow allows
            seen.add(row.contact_id)
            objects.append(
                Enrolment(
                    flow=flow,
                    store_id=flow.store_id,
                    contact_id=row.contact_id,
                    trigger_key=row.trigger_key[:80],
                    order_id=row.order_id,
                    product_id=row.product_id,
                    variant_id=row.variant_id,
                    cart_id=row.cart_id,
                    position=position,
                    due_at=now + delay,
                    enrolled_at=now,
                )
            )
        before = Enrolment.objects.filter(flow=flow, enrolled_at=now).count()
        Enrolment.objects.bulk_create(objects, ignore_conflicts=True)
        return Enrolment.objects.filter(flow=flow, enrolled_at=now).count() - before

    for candidate in candidates:
        batch.append(candidate)
        if len(batch) >= ENROL_BATCH:
            written += write(batch)
            batch = []
    if batch:
        written += write(batch)
    return written


def _flow(store_id: int, kind: str) -> Flow | None:
    return Flow.objects.select_related("store").filter(store_id=store_id, kind=kind, enabled=True).first()


def _contacts_of_user(store_id: int, user_id: int) -> list[int]:
    return list(
        Contact.objects.filter(
            store_id=store_id,
            merged_into__isnull=True,
            identities__kind=Identity.Kind.USER,
            identities__user_id=user_id,
        )
        .values_list("pk", flat=True)
        .distinct()
    )


# --- On an event --------------------------------------------------------------------------------


def consent_confirmed(*, contact_id: int, event_id: int, now: datetime | None = None) -> int:
    """The welcome series for a contact who just confirmed (the contact they were merged into,
    if the confirmation joined them to another)."""
    contact = Contact.objects.filter(pk=contact_id).values("store_id", "merged_into_id").first()
    if contact is None:
        return 0
    flow = _flow(contact["store_id"], Flow.Kind.WELCOME)
    if flow is None:
        return 0
    target = contact["merged_into_id"] or contact_id
    return enrol_many(flow=flow, candidates=[Candidate(target, f"consent:{event_id}")], now=now or timezone.now())


def welcome_on_commit(*, contact_id: int, event_id: int) -> None:
    """``consent_confirmed`` after the confirmation committed; a failure is logged, never the
    confirming person's problem (their consent stands)."""
    try:
        consent_confirmed(contact_id=contact_id, event_id=event_id)
    except Exception:
        log.exception("Could not enrol contact %s in the welcome series", contact_id)


def order_delivered(*, order: Order, now: datetime | None = None) -> int:
    """The after-delivery flow for the buyer of ``order``."""
    flow = _flow(order.store_id, Flow.Kind.POST_DELIVERY)
    if flow is None:
        return 0
    candidates = [
        Candidate(contact_id, f"order:{order.pk}", order_id=order.pk)
        for contact_id in _contacts_of_user(order.store_id, order.buyer_id)
    ]
    return enrol_many(flow=flow, candidates=candidates, now=now or timezone.now())


def order_status_changed(sender: object, order: Order, from_status: str, to_status: str, **kwargs: object) -> None:
    """checkout's signal (sent after commit): a delivered order enrols its buyer. A failure is
    logged, never the seller's problem (the delivery stands)."""
    if to_status != OrderStatus.DELIVERED:
        return
    try:
        order_delivered(order=order)
    except Exception:
        log.exception("Could not enrol the buyer of order %s in the after-delivery flow", order.pk)


def restocked_signal(sender: object, variant: object, previous_stock: int, **kwargs: object) -> None:
    """catalog's ``variant_restocked`` (after commit): a task finds who showed interest. With
    the broker down it is skipped (news of a moment, as checkout's own reminder)."""
    from marketing.tasks import flow_restock_task
    from shop.broker import publish

    try:
        publish(flow_restock_task, variant.pk)
    except Exception:  # without a broker the task ran here: its failure must not undo the restock
        log.warning("The back-in-stock flow for variant %s failed; it is skipped.", variant.pk, exc_info=True)


def variant_restocked(*, variant_id: int, now: datetime | None = None) -> int:
    """The back-in-stock flow for those who showed interest (see the module's docstring)."""
    from catalog.models import ProductVariant

    now = now or timezone.now()
    variant = (
        ProductVariant.objects.filter(pk=variant_id, stock__gt=0, product__status=Product.Status.ACTIVE)
        .values("pk", "product_id", "store_id")
        .first()
    )
    if variant is None:
        return 0
    flow = _flow(variant["store_id"], Flow.Kind.BACK_IN_STOCK)
    if flow is None:
        return 0
    since = now - timedelta(days=settings.MARKETING_FLOW_INTEREST_DAYS)
    carted = CartLine.objects.filter(cart__user_id=OuterRef("user_id"), variant_id=variant_id)
    viewed = ProductView.objects.filter(
        user_id=OuterRef("user_id"), product_id=variant["product_id"], last_at__gte=since
    )
    rows = (
        _store_accounts(flow)
        .filter(Exists(viewed))
        .exclude(Exists(carted))
        .values_list("contact_id", flat=True)
        .distinct()
        .iterator(chunk_size=ENROL_BATCH)
    )
    key = f"restock:{variant_id}:{now.date().isoformat()}"
    candidates = (
        Candidate(contact_id, key, product_id=variant["product_id"], variant_id=variant_id) for contact_id in rows
    )
    return enrol_many(flow=flow, candidates=candidates, now=now)


# --- The periodic scan --------------------------------------------------------------------------


def scan_win_back(*, flow: Flow, now: datetime) -> int:
    lapsed = now - timedelta(days=flow.inactive_days)
    rows = (
        mailable_contacts(store=flow.store)
        .filter(order_count__gt=0, last_order_at__lte=lapsed)
        .exclude(Exists(Enrolment.objects.filter(flow=flow, contact_id=OuterRef("pk"), state=Enrolment.State.ACTIVE)))
        .values_list("pk", "last_order_at")
        .order_by()
        .iterator(chunk_size=ENROL_BATCH)
    )
    candidates = (Candidate(pk, f"winback:{last.date().isoformat()}") for pk, last in rows)
    return enrol_many(flow=flow, candidates=candidates, now=now)


def _store_accounts(flow: Flow) -> QuerySet[Identity]:
    """The store's contacts' site accounts (one row per contact and account)."""
    return Identity.objects.filter(
        store_id=flow.store_id, kind=Identity.Kind.USER, contact__merged_into__isnull=True
    ).order_by()


def scan_browse(*, flow: Flow, now: datetime) -> int:
    """One query: each contact's account's latest qualifying product view."""
    latest = now - timedelta(hours=settings.MARKETING_FLOW_BROWSE_AFTER_HOURS)
    carted = CartLine.objects.filter(cart__user_id=OuterRef("user_id"), variant__product_id=OuterRef("product_id"))
    ordered = Order.objects.filter(
        store_id=OuterRef("store_id"), buyer_id=OuterRef("user_id"), placed_at__gte=OuterRef("last_at")
    )
    views = (
        ProductView.objects.filter(
            store_id=flow.store_id,
            user_id=OuterRef("user_id"),
            last_at__lte=latest,
            last_at__gt=latest - timedelta(days=1),
            product__status=Product.Status.ACTIVE,
        )
        .exclude(Exists(carted))
        .exclude(Exists(ordered))
        .order_by("-last_at", "-pk")
    )
    rows = (
        _store_accounts(flow)
        .filter(Exists(views))
        .annotate(view_product=Subquery(views.values("product_id")[:1]), view_day=Subquery(views.values("day")[:1]))
        .values_list("contact_id", "view_product", "view_day")
        .iterator(chunk_size=ENROL_BATCH)
    )
    candidates = (
        Candidate(contact_id, f"view:{product_id}:{day.isoformat()}", product_id=product_id)
        for contact_id, product_id, day in rows
    )
    return enrol_many(flow=flow, candidates=candidates, now=now)


def scan_abandoned_carts(*, flow: Flow, now: datetime) -> int:
    """One query: the contacts whose account's cart holds the store's lines, untouched."""
    cutoff = now - timedelta(hours=settings.ABANDONED_CART_AFTER_HOURS)
    lines = CartLine.objects.filter(
        cart_id=OuterRef("user__cart__id"),
        variant__store_id=flow.store_id,
        variant__product__status=Product.Status.ACTIVE,
    )
    rows = (
        _store_accounts(flow)
        .filter(
            user__is_active=True,
            user__cart__updated_at__lte=cutoff,
            user__cart__updated_at__gte=now - CART_WITHIN,
        )
        .filter(Exists(lines))
        .values_list("contact_id", "user__cart__id", "user__cart__updated_at")
        .iterator(chunk_size=ENROL_BATCH)
    )
    candidates = (
        Candidate(contact_id, f"cart:{cart_id}:{int(updated.timestamp())}", cart_id=cart_id)
        for contact_id, cart_id, updated in rows
    )
    return enrol_many(flow=flow, candidates=candidates, now=now)


SCANS = {
    Flow.Kind.WIN_BACK: scan_win_back,
    Flow.Kind.BROWSE_ABANDONMENT: scan_browse,
    Flow.Kind.ABANDONED_CART: scan_abandoned_carts,
}


def scan(*, now: datetime | None = None) -> dict[str, int]:
    """Every switched-on win-back, browse-abandonment and abandoned-cart flow's scan; product
    views older than ``MARKETING_FLOW_INTEREST_DAYS`` are deleted. Returns enrolments by kind."""
    now = now or timezone.now()
    enrolled: dict[str, int] = {}
    for flow in Flow.objects.filter(enabled=True, kind__in=list(SCANS)).select_related("store").order_by("pk"):
        count = SCANS[flow.kind](flow=flow, now=now)
        enrolled[flow.kind] = enrolled.get(flow.kind, 0) + count
    ProductView.objects.filter(last_at__lt=now - timedelta(days=settings.MARKETING_FLOW_INTEREST_DAYS)).delete()
    return enrolled
