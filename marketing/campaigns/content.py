"""A campaign's content: its blocks, checked, and rendered once per sending task into text and
HTML with placeholders that ``personalise`` fills for each recipient.

Blocks (``Campaign.blocks``), in order:

- ``{"type": "text", "text": "..."}`` (paragraphs split on blank lines);
- ``{"type": "picture", "url": "https://...", "alt": "..."}``;
- ``{"type": "products", "products": [id, ...]}``: cards of the store's own products with
  their price *now* (read from the catalogue each time the email is rendered);
- ``{"type": "discount", "code": "HEMAT10"}``: one of the store's discount codes;
- ``{"type": "button", "label": "...", "url": "https://..."}``.

Every link of the email (product cards, buttons, the store) is numbered in the rendered
campaign; the email holds ``%%LINK3%%``, which becomes the recipient's signed click link
(``marketing.campaigns.links``) naming the target by key, resolved when clicked. Placeholders are ``%%NAME%%``
(the contact's name, escaped in the HTML), ``%%UNSUBSCRIBE%%`` and ``%%OPEN%%`` (the pixel).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from catalog.models import Product, Store
from catalog.selectors import cover_images, with_from_price
from checkout.models import DiscountCode
from marketing.tokens import absolute
from shop.emails import render_plain_text
from shop.money import format_money

BLOCK_TYPES = ("text", "picture", "products", "discount", "button")
MAX_BLOCKS = 30
MAX_PRODUCTS = 12
TEXT_MAX = 5000
LABEL_MAX = 60
URL_MAX = 500
PLACEHOLDER = re.compile(r"%%([A-Z]+\d*)%%")


def _url(value, what: str) -> str:
    if not isinstance(value, str) or len(value) > URL_MAX:
        raise ValidationError(_("%(what)s needs a web address.") % {"what": what})
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_("%(what)s needs a web address starting with https://.") % {"what": what})
    return value


def _text(value, *, limit: int, what: str, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit or "\x00" in value:
        raise ValidationError(
            _("%(what)s needs a text of at most %(limit)s characters.") % {"what": what, "limit": limit}
        )
    return value


def validate_blocks(*, store: Store, blocks) -> list[dict]:
    """The blocks, checked against ``store`` (its own products and discount codes) and
    normalised. Raises ``ValidationError`` with a message a seller can read."""
    if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
        raise ValidationError(_("An email holds at most %(count)s blocks.") % {"count": MAX_BLOCKS})
    clean = []
    for block in blocks:
        if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
            raise ValidationError(_("Unknown block."))
        kind = block["type"]
        if kind == "text":
            clean.append({"type": kind, "text": _text(block.get("text"), limit=TEXT_MAX, what=_("A text block"))})
        elif kind == "picture":
            clean.append(
                {
                    "type": kind,
                    "url": _url(block.get("url"), _("A picture")),
                    "alt": _text(block.get("alt", ""), limit=LABEL_MAX * 2, what=_("A picture"), required=False),
                }
            )
        elif kind == "products":
            ids = block.get("products")
            if (
                not isinstance(ids, list)
                or not 1 <= len(ids) <= MAX_PRODUCTS
                or not all(isinstance(pk, int) and not isinstance(pk, bool) and pk > 0 for pk in ids)
            ):
                raise ValidationError(_("Pick between 1 and %(count)s products.") % {"count": MAX_PRODUCTS})
            own = set(Product.objects.filter(store=store, pk__in=ids).values_list("pk", flat=True))
            if own != set(ids):
                raise ValidationError(_("Choose your own products."))
            clean.append({"type": kind, "products": list(dict.fromkeys(ids))})
        elif kind == "discount":
            code = _text(block.get("code"), limit=40, what=_("A discount block"))
            if not DiscountCode.objects.filter(store=store, code__iexact=code).exists():
                raise ValidationError(_("Choose one of your own discount codes."))
            clean.append({"type": kind, "code": code.upper()})
        elif kind == "button":
            clean.append(
                {
                    "type": kind,
                    "label": _text(block.get("label"), limit=LABEL_MAX, what=_("A button")),
                    "url": _url(block.get("url"), _("A button")),
                }
            )
    return clean


@dataclass
class Rendered:
    """A campaign rendered once: text and HTML with placeholders, and the key of each
    ``%%LINK<n>%%`` (``marketing.campaigns.links``)."""

    subject: str
    text: str
    html: str
    links: list[str] = field(default_factory=list)


def _product_cards(store: Store, ids: list[int], language: str) -> list[dict]:
    products = (
        with_from_price(Product.objects.filter(store=store, pk__in=ids)).prefetch_related(cover_images()).in_bulk()
    )
    cards = []
    for pk in ids:
        product = products.get(pk)
        if product is None or not product.is_public:
            continue  # deleted or hidden since the campaign was written: left out
        images = getattr(product, "ordered_images", [])
        cards.append(
            {
                "pk": product.pk,
                "title": product.title,
                "url": absolute(product.get_absolute_url()),
                "price": format_money(product.from_price, language=language) if product.from_price is not None else "",
                "was": format_money(product.from_compare_at_price, language=language)
                if product.from_compare_at_price
                else "",
                "image": absolute(images[0].thumbnail_url) if images else "",
                "in_stock": product.total_stock > 0,
            }
        )
    return cards


def render(*, campaign, subject: str, language: str = "") -> Rendered:
    """``campaign`` rendered with ``subject``: live product prices, every link numbered."""
    store = campaign.store
    language = language or translation.get_language() or "id"
    links: list[str] = []

    def link(key: str) -> str:
        links.append(key)
        return f"%%LINK{len(links) - 1}%%"

    blocks = []
    for index, block in enumerate(campaign.blocks):
        kind = block.get("type")
        if kind == "text":
            blocks.append({"type": kind, "paragraphs": [p.strip() for p in block["text"].split("\n\n") if p.strip()]})
        elif kind == "picture":
            blocks.append({"type": kind, "url": block["url"], "alt": block.get("alt", "")})
        elif kind == "products":
            cards = _product_cards(store, block["products"], language)
            for card in cards:
                card["link"] = link(f"p{card['pk']}")
            blocks.append({"type": kind, "cards": cards})
        elif kind == "discount":
            blocks.append({"type": kind, "code": block["code"]})
        elif kind == "button":
            blocks.append({"type": kind, "label": block["label"], "link": link(f"b{index}")})
    context = {
        "campaign": campaign,
        "store": store,
        "subject": subject,
        "preheader": campaign.preheader,
        "blocks": blocks,
        "store_link": link("s"),
        "name": "%%NAME%%",
        "unsubscribe_url": "%%UNSUBSCRIBE%%",
        "open_url": "%%OPEN%%",
    }
    with translation.override(language):
        text = render_plain_text("marketing/emails/campaign.txt", context)
        body = render_to_string("marketing/emails/campaign.html", context)
    return Rendered(subject=subject, text=text, html=body, links=links)


def personalise(template: str, values: dict[str, str]) -> str:
    """``template`` with each ``%%KEY%%`` replaced by ``values[KEY]`` (unknown ones left)."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), template)


def html_values(values: dict[str, str]) -> dict[str, str]:
    return {key: html.escape(value) for key, value in values.items()}


def link_target(*, campaign, key: str) -> str | None:
    """Where a click link's key points now: the store's page, a product's page (of the
    campaign's store), a block's URL. None when it no longer exists."""
    if key == "s":
        return absolute(campaign.store.get_absolute_url())
    if key.startswith("p"):
        product = Product.objects.filter(pk=int(key[1:]), store_id=campaign.store_id).first()
        return absolute(product.get_absolute_url()) if product is not None else None
    index = int(key[1:])
    if index < len(campaign.blocks) and isinstance(campaign.blocks[index], dict):
        return campaign.blocks[index].get("url") or None
    return None
