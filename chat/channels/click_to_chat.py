""" "Order via WhatsApp" on the cart, for any store with a WhatsApp number (with or without the
Cloud API): a click-to-chat link (``https://wa.me/<number>?text=...``) to the store's number,
carrying the store's part of the cart (items, options, quantities, total) and a signed link
that opens the same cart for the seller, ready to turn into an offer.

The link holds only ids and quantities, signed (``django.core.signing``, its own salt) and
valid for ``LINK_DAYS``: the seller's page prices it again from the variants as they are now.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from catalog.models import ProductVariant, Store
from chat.services import rules
from shop.models import User
from shop.money import format_money

SALT = "chat.channels.whatsapp-cart"
LINK_DAYS = 30
LINES_MAX = 20


def cart_token(*, store: Store, shopper_id: int | None, lines: list[tuple[int, int]]) -> str:
    return signing.dumps(
        {"s": store.pk, "u": shopper_id, "l": [list(line) for line in lines[:LINES_MAX]]}, salt=SALT, compress=True
    )


@dataclass
class SharedCart:
    store: Store
    shopper: User | None
    lines: list[tuple[ProductVariant, int]]

    @property
    def rows(self) -> list[tuple[ProductVariant, int, int]]:
        return [(variant, quantity, variant.price * quantity) for variant, quantity in self.lines]

    @property
    def total(self) -> int:
        return sum(variant.price * quantity for variant, quantity in self.lines)


def read_cart(*, token: str, seller: User) -> SharedCart:
    """The cart in a seller link, for the store's owner only. ``ValidationError`` for a link
    that is not ours or too old, ``PermissionDenied`` for someone else's store."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_DAYS * 24 * 3600)
        store_id, shopper_id, raw_lines = int(data["s"]), data.get("u"), data["l"]
        wanted = {int(variant): max(1, min(int(quantity), 99)) for variant, quantity in raw_lines[:LINES_MAX]}
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationError(_("This cart link is not valid or has expired.")) from None
    store = Store.objects.filter(pk=store_id).select_related("owner").first()
    if store is None or not rules.is_store_member(user=seller, store=store):
        raise PermissionDenied(_("This cart was sent to another store."))
    variants = ProductVariant.objects.filter(pk__in=wanted, product__store=store).select_related("product")
    lines = [(variant, wanted[variant.pk]) for variant in sorted(variants, key=lambda v: list(wanted).index(v.pk))]
    shopper = User.objects.filter(pk=shopper_id, is_active=True).first() if isinstance(shopper_id, int) else None
    return SharedCart(store=store, shopper=shopper, lines=lines)


def order_text(*, store: Store, lines, total: int, seller_link: str) -> str:
    """The message the shopper sends, in their language."""
    rows = [_("Hello %(store)s, I would like to order:") % {"store": store.name}]
    for line in lines:
        title = line.variant.product.title
        if line.variant.options:
            title = f"{title} ({line.variant.label})"
        rows.append(f"- {title} × {line.quantity} = {format_money(line.line_total)}")
    rows.append(_("Total: %(total)s (before shipping)") % {"total": format_money(total)})
    rows.append(_("My cart: %(link)s") % {"link": seller_link})
    return "\n".join(rows)


def whatsapp_order_button(sender: object, *, request, store=None, block=None, **_kwargs) -> str:
    """Under each store's lines in the cart (``checkout.signals.cart_store_shown``), for a store
    with a WhatsApp number."""
    if store is None or block is None or not store.whatsapp or not getattr(block, "lines", None):
        return ""
    shopper_id = request.user.pk if request.user.is_authenticated else None
    token = cart_token(
        store=store, shopper_id=shopper_id, lines=[(line.variant.pk, line.quantity) for line in block.lines]
    )
    seller_link = settings.SITE_URL + reverse("chat:whatsapp_cart", kwargs={"token": token})
    text = order_text(store=store, lines=block.lines, total=block.subtotal, seller_link=seller_link)
    url = f"https://wa.me/{store.whatsapp.lstrip('+')}?text={quote(text, safe='')}"
    return render_to_string("chat/on_pages/whatsapp_order.html", {"url": url, "store": store}, request=request)


def conversation_for_cart(*, cart: SharedCart, seller: User):
    """The conversation between the store and the shopper who sent their cart, started by the
    store if there is none yet (the shopper asked, by sending it). Refused when either side
    blocked the other, or when the cart came from a visitor without an account."""
    from chat.models import Conversation

    if cart.shopper is None:
        raise ValidationError(_("This cart was sent without an Etalase account: answer on WhatsApp."))
    if not rules.is_store_member(user=seller, store=cart.store):
        raise PermissionDenied(_("This cart was sent to another store."))
    if rules.blocked_by(store_id=cart.store.pk, shopper_id=cart.shopper.pk):
        raise PermissionDenied(_("You cannot send messages in this chat."))
    conversation, _created = Conversation.objects.get_or_create(store=cart.store, shopper=cart.shopper)
    return conversation


def offer_lines(cart: SharedCart) -> dict:
    """The offer form's initial values from the cart's lines (as many as the form holds)."""
    from chat.offer_views import FORM_LINES

    initial = {}
    for index, (variant, quantity) in enumerate(cart.lines[:FORM_LINES]):
        initial[f"variant_{index}"] = str(variant.pk)
        initial[f"quantity_{index}"] = quantity
    return initial
