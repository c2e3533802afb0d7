"""Every store's six flows, with ready-made steps (switched off): the seller switches on what
they want and edits the words. ``ensure_flows`` is idempotent; it runs when a store is opened
(catalog's ``store_opened``, after commit: ``store_opened`` below), and from the seller's
"set up" button (a POST) for a store that has none yet (one opened before, or made another
way). Reading the flows never makes them: a store without flow rows sends nothing, exactly as
one whose flows are all switched off.

Default waits and cooldowns, per kind (``FlowStep.delay_hours``, ``Flow.cooldown_days``):

- welcome: at once, then 3 days later; cooldown 180 days (one welcome, even if they rejoin);
- after delivery: 2 days after delivery (tips, "you may also like"); cooldown 7 days;
- win-back: at once when the last order is ``inactive_days`` (90) old, then 7 days later;
  cooldown 90 days;
- browse abandonment: at once (the scan already waits a day after the view); cooldown 7 days;
- back in stock: at once; cooldown 3 days;
- abandoned cart: at once (the scan waits ``ABANDONED_CART_AFTER_HOURS``), then 2 days later;
  cooldown 2 days.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from catalog.models import Store
from marketing.flow_models import Flow, FlowStep
from marketing.tokens import absolute

log = logging.getLogger(__name__)


def _steps(kind: str, store: Store) -> tuple[int, list[tuple[int, str, list[dict]]]]:
    """``(cooldown days, [(delay hours, subject, blocks), ...])`` for a new flow of ``kind``."""
    shop = {"type": "button", "label": _("Visit the shop"), "url": absolute(store.get_absolute_url())}
    name = {"store": store.name}
    if kind == Flow.Kind.WELCOME:
        return 180, [
            (0, _("Welcome to %(store)s") % name, [{"type": "text", "text": _("Thank you for joining us.")}, shop]),
            (
                72,
                _("What's new at %(store)s") % name,
                [{"type": "text", "text": _("Have a look at what we have.")}, shop],
            ),
        ]
    if kind == Flow.Kind.POST_DELIVERY:
        return 7, [
            (
                48,
                _("Getting the most from your order"),
                [
                    {"type": "text", "text": _("Your order has arrived. A few tips to enjoy it:")},
                    {"type": "tips"},
                    {"type": "text", "text": _("You may also like")},
                    {"type": "also_like"},
                ],
            )
        ]
    if kind == Flow.Kind.WIN_BACK:
        return 90, [
            (0, _("We miss you at %(store)s") % name, [{"type": "text", "text": _("It has been a while.")}, shop]),
            (168, _("Still thinking of us?"), [{"type": "text", "text": _("Here is what is new.")}, shop]),
        ]
    if kind == Flow.Kind.BROWSE_ABANDONMENT:
        return 7, [
            (
                0,
                _("Still interested?"),
                [{"type": "text", "text": _("You looked at this:")}, {"type": "trigger_products"}],
            )
        ]
    if kind == Flow.Kind.BACK_IN_STOCK:
        return 3, [(0, _("Back in stock"), [{"type": "text", "text": _("It is back:")}, {"type": "trigger_products"}])]
    return 2, [
        (0, _("You left something in your cart"), [{"type": "trigger_products"}]),
        (48, _("Your cart is waiting"), [{"type": "trigger_products"}]),
    ]


def ensure_flows(*, store: Store) -> list[Flow]:
    """The store's six flows, the missing ones made (switched off, default steps), in
    ``Flow.Kind`` order."""
    existing = {flow.kind: flow for flow in Flow.objects.filter(store=store)}
    for kind in Flow.Kind.values:
        if kind in existing:
            continue
        cooldown, steps = _steps(kind, store)
        try:
            with transaction.atomic():
                flow = Flow.objects.create(store=store, kind=kind, cooldown_days=cooldown)
                FlowStep.objects.bulk_create(
                    FlowStep(flow=flow, position=number, delay_hours=delay, subject=subject[:150], blocks=blocks)
                    for number, (delay, subject, blocks) in enumerate(steps, start=1)
                )
        except IntegrityError:
            continue  # made by a parallel request
    order = {kind: index for index, kind in enumerate(Flow.Kind.values)}
    return sorted(Flow.objects.filter(store=store), key=lambda flow: order[flow.kind])


def store_opened(sender: object, *, store: Store, **kwargs: object) -> None:
    """catalog's ``store_opened`` (after commit, in the request that opened the store: the
    default emails are written in the seller's language). A failure is logged and never
    reaches that request: the flows page offers to set them up."""
    try:
        ensure_flows(store=store)
    except Exception:
        log.exception("Could not set up the flows of store %s", store.pk)


def switch(*, flow: Flow, enabled: bool) -> Flow:
    """Switch a flow on or off (off: its running enrolments leave it at the next evaluation)."""
    from django.utils import timezone

    Flow.objects.filter(pk=flow.pk).update(enabled=enabled, updated_at=timezone.now())
    flow.refresh_from_db()
    return flow
