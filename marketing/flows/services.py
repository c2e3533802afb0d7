"""The seller's writes to their flows (the pages, the API and the admin call these): a flow's
settings and switch, its steps (change, add, remove, move), a step's preview and the test send
to oneself, and the usage tips of a product. Every one checks what it is given and raises
``ValidationError`` with a message a seller can read.

Steps keep their ``position`` when another is removed (gaps are fine: the engine sends the
next one up), so an enrolment waiting for step 3 still gets step 3. Removing a step removes
its figures with it (its sends and the orders credited to it).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, Store
from marketing.campaign_models import PREHEADER_MAX, SUBJECT_MAX
from marketing.campaigns import content as campaign_content
from marketing.flow_models import TIPS_MAX, Enrolment, Flow, FlowStep, ProductTips
from marketing.flows import content, defaults
from marketing.flows.engine import NO_PIXEL
from marketing.sending import from_email, new_message_id
from marketing.tokens import absolute

MAX_STEPS = 10
MAX_DELAY_HOURS = 24 * 90
MAX_DAYS = 3650
# What "raw HTML" looks like in the tips: a tag, a comment or an entity.
HTML_LIKE = re.compile(r"<\s*[a-zA-Z!/?]|&[a-zA-Z#][a-zA-Z0-9]*;")
# A position no step holds, for swapping two (the unique constraint is not deferred).
SWAP_POSITION = 32_000


def set_up_flows(*, store: Store) -> list[Flow]:
    """Make the store's missing flows (switched off, with their ready-made emails); the seller's
    "set up" button. Idempotent (``defaults.ensure_flows``)."""
    return defaults.ensure_flows(store=store)


def _days(value: object, *, field: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        raise ValidationError(
            {field: _("%(what)s must be a whole number of days from 1 to %(max)s.") % {"what": what, "max": MAX_DAYS}}
        )
    return value


def update_flow(
    *, flow: Flow, enabled: bool | None = None, inactive_days: int | None = None, cooldown_days: int | None = None
) -> Flow:
    """Change a flow's settings (the win-back's days without an order, the re-entry cooldown)
    and switch it on or off; what is None stays as it is."""
    changed: list[str] = []
    if inactive_days is not None:
        flow.inactive_days = _days(inactive_days, field="inactive_days", what=_("Days without an order"))
        changed.append("inactive_days")
    if cooldown_days is not None:
        flow.cooldown_days = _days(cooldown_days, field="cooldown_days", what=_("The re-entry cooldown"))
        changed.append("cooldown_days")
    if changed:
        flow.updated_at = timezone.now()
        flow.save(update_fields=[*changed, "updated_at"])
    if enabled is not None and enabled != flow.enabled:
        flow = defaults.switch(flow=flow, enabled=enabled)
    return flow


def _clean_step(*, store: Store, delay_hours: object, subject: object, preheader: object, blocks: object) -> dict:
    errors: dict[str, list[str]] = {}
    if isinstance(delay_hours, bool) or not isinstance(delay_hours, int) or not 0 <= delay_hours <= MAX_DELAY_HOURS:
        errors["delay_hours"] = [_("The wait is a whole number of hours from 0 to %(max)s.") % {"max": MAX_DELAY_HOURS}]
    if not isinstance(subject, str) or not subject.strip() or len(subject) > SUBJECT_MAX or "\x00" in subject:
        errors["subject"] = [_("Write a subject of at most %(max)s characters.") % {"max": SUBJECT_MAX}]
    if not isinstance(preheader, str) or len(preheader) > PREHEADER_MAX or "\x00" in preheader:
        errors["preheader"] = [_("The preheader holds at most %(max)s characters.") % {"max": PREHEADER_MAX}]
    try:
        clean_blocks = content.validate_step_blocks(store=store, blocks=blocks)
    except ValidationError as exc:
        errors["blocks"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return {
        "delay_hours": delay_hours,
        "subject": str(subject).strip(),
        "preheader": str(preheader).strip(),
        "blocks": clean_blocks,
    }


def save_step(
    *,
    flow: Flow,
    delay_hours: int,
    subject: str,
    preheader: str = "",
    blocks: list[dict],
    step: FlowStep | None = None,
) -> FlowStep:
    """Change ``step`` of ``flow``, or add a new last step (at most ``MAX_STEPS``)."""
    if step is not None and step.flow_id != flow.pk:
        raise ValidationError(_("This email is not in this flow."))
    data = _clean_step(store=flow.store, delay_hours=delay_hours, subject=subject, preheader=preheader, blocks=blocks)
    if step is not None:
        for key, value in data.items():
            setattr(step, key, value)
        step.save(update_fields=list(data))
        return step
    with transaction.atomic():
        Flow.objects.select_for_update().filter(pk=flow.pk).first()  # one new position at a time
        steps = FlowStep.objects.filter(flow=flow)
        if steps.count() >= MAX_STEPS:
            raise ValidationError(_("A flow holds at most %(max)s emails.") % {"max": MAX_STEPS})
        last = steps.aggregate(last=Max("position"))["last"] or 0
        return FlowStep.objects.create(flow=flow, position=last + 1, **data)


def add_step(*, flow: Flow) -> FlowStep:
    """A new last step with words to change: two days after the one before, a text and a
    button to the shop."""
    return save_step(
        flow=flow,
        delay_hours=48,
        subject=_("News from %(store)s") % {"store": flow.store.name},
        blocks=[
            {"type": "text", "text": _("Write your message here.")},
            {"type": "button", "label": _("Visit the shop"), "url": absolute(flow.store.get_absolute_url())},
        ],
    )


def remove_step(*, step: FlowStep) -> None:
    """Remove a step (and its figures). The last one stays: switch the flow off instead."""
    with transaction.atomic():
        Flow.objects.select_for_update().filter(pk=step.flow_id).first()
        if FlowStep.objects.filter(flow_id=step.flow_id).count() <= 1:
            raise ValidationError(_("A flow keeps at least one email: switch the flow off instead."))
        FlowStep.objects.filter(pk=step.pk).delete()


def move_step(*, step: FlowStep, up: bool) -> bool:
    """Swap ``step`` with the one before (``up``) or after it. Returns False when it is already
    first (or last). Active enrolments keep their place: they get whatever step is now there."""
    with transaction.atomic():
        Flow.objects.select_for_update().filter(pk=step.flow_id).first()
        steps = FlowStep.objects.filter(flow_id=step.flow_id)
        current = steps.filter(pk=step.pk).values_list("position", flat=True).first()
        if current is None:
            return False
        neighbour = (
            steps.filter(position__lt=current).order_by("-position")
            if up
            else steps.filter(position__gt=current).order_by("position")
        ).first()
        if neighbour is None:
            return False
        steps.filter(pk=step.pk).update(position=SWAP_POSITION)
        steps.filter(pk=neighbour.pk).update(position=current)
        steps.filter(pk=step.pk).update(position=neighbour.position)
    step.position = neighbour.position
    return True


def _example_product(store: Store, kind: str) -> Product | None:
    """The product a step's preview shows for the trigger's products: one with usage tips for
    the after-delivery flow, else the store's newest public one."""
    products = Product.objects.active().filter(store=store)
    if kind == Flow.Kind.POST_DELIVERY:
        with_tips = products.filter(marketing_tips__isnull=False).order_by("-pk").first()
        if with_tips is not None:
            return with_tips
    return products.order_by("-pk").first()


def preview_step(*, step: FlowStep, subject: str | None = None) -> campaign_content.Rendered:
    """The step as a customer would get it, with the store's newest product (one with tips
    after delivery) standing for the trigger's, the name a stand-in and links going straight
    to their targets (nothing recorded). What the step's preview shows and the test sends."""
    store = step.flow.store
    example = Enrolment(flow=step.flow, store=store, product=_example_product(store, step.flow.kind))
    page = content.render_step(step=step, enrolment=example)
    values = {"NAME": _("test"), "UNSUBSCRIBE": absolute("/"), "OPEN": NO_PIXEL}
    for index, key in enumerate(page.links):
        values[f"LINK{index}"] = content.link_target(step=step, key=key) or absolute("/")
    return campaign_content.Rendered(
        subject=subject or page.subject,
        text=campaign_content.personalise(page.text, values),
        html=campaign_content.personalise(page.html, campaign_content.html_values(values)),
        links=page.links,
    )


def send_test(*, step: FlowStep, to: str) -> None:
    """The step as ``preview_step`` shows it, sent now to ``to`` (the seller), from the store's
    marketing address (``marketing.sending``): nothing recorded, no cap counted."""
    page = preview_step(step=step, subject=f"[{_('Test')}] {step.subject}")
    message = EmailMultiAlternatives(
        subject=page.subject,
        body=page.text,
        from_email=from_email(step.flow.store),
        to=[to],
        headers={"Message-ID": new_message_id()},
        connection=get_connection(),
    )
    message.attach_alternative(page.html, "text/html")
    message.send()


def save_tips(*, store: Store, product: Product, text: str) -> ProductTips | None:
    """Set the usage tips of one of the store's products (plain text, sent after delivery);
    an empty text removes them (None)."""
    if product.store_id != store.pk:
        raise ValidationError({"product": _("Choose one of your own products.")})
    if not isinstance(text, str) or "\x00" in text or len(text) > TIPS_MAX:
        raise ValidationError({"text": _("Write at most %(max)s characters.") % {"max": TIPS_MAX}})
    text = text.replace("\r\n", "\n").strip()
    if HTML_LIKE.search(text):
        raise ValidationError({"text": _("Write plain text: HTML such as <b> or &amp; is not allowed.")})
    if not text:
        ProductTips.objects.filter(product=product).delete()
        return None
    tips, _created = ProductTips.objects.update_or_create(
        product=product, defaults={"store": store, "text": text, "updated_at": timezone.now()}
    )
    return tips
