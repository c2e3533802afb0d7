"""The seller's changes to their flows (for the pages, the API and the admin): settings, steps
and usage tips, each checked against the seller's own store. Every function raises
``ValidationError`` with a message a seller can read; none looks at another store's rows
(the callers fetch them through ``marketing.flows.selectors``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, Store
from marketing.campaign_models import PREHEADER_MAX, SUBJECT_MAX
from marketing.flow_models import TIPS_MAX, Flow, FlowStep, ProductTips
from marketing.flows.content import validate_step_blocks

MAX_STEPS = 10
MAX_DELAY_HOURS = 24 * 90
MAX_DAYS = 3650


def _days(value: int, *, minimum: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= MAX_DAYS:
        raise ValidationError(
            _("%(what)s must be between %(low)s and %(high)s days.") % {"what": what, "low": minimum, "high": MAX_DAYS}
        )
    return value


def save_flow(*, flow: Flow, enabled: bool, inactive_days: int, cooldown_days: int) -> Flow:
    """Switch ``flow`` on or off and set its days (switched off: its running enrolments leave
    it at the next evaluation)."""
    flow.enabled = bool(enabled)
    flow.inactive_days = _days(inactive_days, minimum=1, what=_("Days without an order"))
    flow.cooldown_days = _days(cooldown_days, minimum=0, what=_("The re-entry cooldown"))
    flow.updated_at = timezone.now()
    flow.save(update_fields=["enabled", "inactive_days", "cooldown_days", "updated_at"])
    return flow


def save_step(
    *,
    flow: Flow,
    step: FlowStep | None,
    delay_hours: int,
    subject: str,
    preheader: str,
    blocks: object,
) -> FlowStep:
    """Add a step at the end of ``flow`` (``step`` None) or change ``step`` (one of ``flow``'s)."""
    if step is not None and step.flow_id != flow.pk:
        raise ValidationError(_("This step belongs to another flow."))
    if not isinstance(delay_hours, int) or isinstance(delay_hours, bool) or not 0 <= delay_hours <= MAX_DELAY_HOURS:
        raise ValidationError(_("The wait must be between 0 and %(high)s hours.") % {"high": MAX_DELAY_HOURS})
    subject = (subject or "").strip()
    if not subject or len(subject) > SUBJECT_MAX:
        raise ValidationError(_("Write a subject of at most %(limit)s characters.") % {"limit": SUBJECT_MAX})
    preheader = (preheader or "").strip()
    if len(preheader) > PREHEADER_MAX:
        raise ValidationError(_("The preheader holds at most %(limit)s characters.") % {"limit": PREHEADER_MAX})
    clean = validate_step_blocks(store=flow.store, blocks=blocks)
    with transaction.atomic():
        locked = Flow.objects.select_for_update().get(pk=flow.pk)
        if step is None:
            last = FlowStep.objects.filter(flow=locked).aggregate(last=Max("position"))["last"] or 0
            if last >= MAX_STEPS:
                raise ValidationError(_("A flow holds at most %(count)s steps.") % {"count": MAX_STEPS})
            step = FlowStep(flow=locked, position=last + 1)
        step.delay_hours, step.subject, step.preheader, step.blocks = delay_hours, subject, preheader, clean
        step.save()
    return step


def delete_step(*, step: FlowStep) -> None:
    """Remove a step; enrolments waiting for it get the next one (``engine`` skips to it)."""
    step.delete()


def save_tips(*, store: Store, product: Product, text: str) -> ProductTips | None:
    """The usage tips of one of the store's products; an empty text removes them."""
    if product.store_id != store.pk:
        raise ValidationError(_("Choose your own products."))
    text = (text or "").strip()
    if len(text) > TIPS_MAX or "\x00" in text:
        raise ValidationError(_("Tips hold at most %(limit)s characters.") % {"limit": TIPS_MAX})
    if not text:
        ProductTips.objects.filter(product=product).delete()
        return None
    tips, _created = ProductTips.objects.update_or_create(
        product=product, defaults={"store": store, "text": text, "updated_at": timezone.now()}
    )
    return tips
