"""A flow step's content: the campaign blocks (``marketing.campaigns.content``) plus three
blocks filled from the enrolment's trigger when the step is sent:

- ``{"type": "trigger_products"}``: the products the trigger was about (the delivered order's,
  the abandoned cart's lines from this store, the product viewed, the product back in stock),
  as product cards with their price now;
- ``{"type": "tips"}``: the seller's usage tips (``ProductTips``) for those products, one
  paragraph each, headed by the product's name (nothing when none has tips);
- ``{"type": "also_like"}``: up to ``ALSO_LIKE`` other products of the store that go with
  them ("you may also like": social's ``ProductAffinity``), not the ones of the trigger.

Each filled block stays at its index (one block in, one block out), so button links (``b<n>``)
name the same block in the step's stored blocks and in the rendered email; an empty filled
block renders nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from catalog.models import Product, Store
from checkout.models import CartLine, OrderLine
from marketing.campaigns import content as campaign_content
from marketing.flow_models import Enrolment, FlowStep, ProductTips
from social.models import ProductAffinity

TRIGGER_BLOCKS = ("trigger_products", "tips", "also_like")
ALSO_LIKE = 4


def validate_step_blocks(*, store: Store, blocks: object) -> list[dict]:
    """The blocks of a flow step, checked against ``store``: campaign blocks and the trigger
    blocks above. Raises ``ValidationError`` with a message a seller can read."""
    if not isinstance(blocks, list) or len(blocks) > campaign_content.MAX_BLOCKS:
        raise ValidationError(_("An email holds at most %(count)s blocks.") % {"count": campaign_content.MAX_BLOCKS})
    clean: list[dict] = []
    for block in blocks:
        if isinstance(block, dict) and block.get("type") in TRIGGER_BLOCKS:
            clean.append({"type": block["type"]})
        else:
            clean.extend(campaign_content.validate_blocks(store=store, blocks=[block]))
    return clean


def trigger_product_ids(*, enrolment: Enrolment) -> list[int]:
    """The store's products the trigger was about, in a stable order (at most
    ``campaign_content.MAX_PRODUCTS``)."""
    ids: list[int] = []
    if enrolment.order_id is not None:
        ids = list(
            OrderLine.objects.filter(order_id=enrolment.order_id, product__isnull=False)
            .order_by("id")
            .values_list("product_id", flat=True)
        )
    elif enrolment.cart_id is not None:
        ids = list(
            CartLine.objects.filter(cart_id=enrolment.cart_id, variant__store_id=enrolment.store_id)
            .order_by("added_at", "id")
            .values_list("variant__product_id", flat=True)
        )
    elif enrolment.product_id is not None:
        ids = [enrolment.product_id]
    return list(dict.fromkeys(ids))[: campaign_content.MAX_PRODUCTS]


def _public_ids(store_id: int, ids: list[int]) -> list[int]:
    public = set(Product.objects.active().filter(store_id=store_id, pk__in=ids).values_list("pk", flat=True))
    return [pk for pk in ids if pk in public]


def _tips_text(store_id: int, ids: list[int]) -> str:
    tips = {
        row.product_id: row
        for row in ProductTips.objects.filter(store_id=store_id, product_id__in=ids).select_related("product")
    }
    parts = [f"{tips[pk].product.title}\n{tips[pk].text.strip()}" for pk in ids if pk in tips and tips[pk].text.strip()]
    return "\n\n".join(parts)


def _also_like(store_id: int, ids: list[int]) -> list[int]:
    if not ids:
        return []
    rows = (
        ProductAffinity.objects.filter(
            product_id__in=ids,
            other__store_id=store_id,
            other__status=Product.Status.ACTIVE,
            other__store__is_active=True,
        )
        .exclude(other_id__in=ids)
        .order_by("-score", "other_id")
        .values_list("other_id", flat=True)[: ALSO_LIKE * 4]
    )
    return list(dict.fromkeys(rows))[:ALSO_LIKE]


@dataclass
class StepContent:
    """What ``campaign_content.render`` reads of a campaign, for one step and one enrolment:
    the step's blocks with the trigger blocks filled in."""

    store: Store
    store_id: int
    preheader: str
    blocks: list[dict]


def filled_blocks(*, step: FlowStep, enrolment: Enrolment) -> list[dict]:
    """The step's blocks with the trigger blocks filled for ``enrolment`` (an empty text
    block when there is nothing to show: the renderer leaves it out)."""
    products: list[int] | None = None
    out: list[dict] = []
    for block in step.blocks:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind not in TRIGGER_BLOCKS:
            out.append(block)
            continue
        if products is None:
            products = _public_ids(enrolment.store_id, trigger_product_ids(enrolment=enrolment))
        if kind == "trigger_products":
            out.append({"type": "products", "products": products} if products else {"type": "text", "text": ""})
        elif kind == "tips":
            out.append({"type": "text", "text": _tips_text(enrolment.store_id, products)})
        else:
            others = _also_like(enrolment.store_id, products)
            out.append({"type": "products", "products": others} if others else {"type": "text", "text": ""})
    return out


def render_step(*, step: FlowStep, enrolment: Enrolment, language: str = "") -> campaign_content.Rendered:
    """The step rendered for one enrolment (live prices, links numbered as for campaigns)."""
    store = step.flow.store
    page = StepContent(
        store=store, store_id=store.pk, preheader=step.preheader, blocks=filled_blocks(step=step, enrolment=enrolment)
    )
    return campaign_content.render(campaign=page, subject=step.subject, language=language)


def link_target(*, step: FlowStep, key: str) -> str | None:
    """Where a flow email's link key points now (as for campaigns: ``b<n>`` names the step's
    block number ``n``)."""
    return campaign_content.link_target(campaign=step, key=key)
