"""A store's quick replies: saved answers with placeholders filled in per conversation.

Placeholders are replaced as plain text (never ``str.format``, which would let a saved
text reach into attributes); an unknown ``{word}`` stays as typed.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from catalog.models import Store
from chat.models import QUICK_REPLY_SHORTCUT_MAX, QUICK_REPLY_TEXT_MAX, Conversation, QuickReply
from chat.services import rules
from checkout.models import Order, StoreCheckoutSettings
from shop.models import User

PLACEHOLDERS = ("buyer_name", "order_number", "bank_account")
SHORTCUT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def clean_quick_reply(
    *, store: Store, shortcut: object, text: object, quick_reply: QuickReply | None = None
) -> tuple[str, str]:
    """The shortcut (lowercase, without its ``/``) and text as saved, or ``ValidationError``:
    the rules of the service, shared with the back office's form."""
    shortcut = rules.clean_text(shortcut, field="shortcut", limit=QUICK_REPLY_SHORTCUT_MAX + 1, required=True)
    shortcut = shortcut.lower().removeprefix("/")
    if len(shortcut) > QUICK_REPLY_SHORTCUT_MAX or not SHORTCUT_PATTERN.match(shortcut):
        raise ValidationError({"shortcut": _("Use lowercase letters, digits, - and _ only, for example ongkir.")})
    text = rules.clean_text(text, field="text", limit=QUICK_REPLY_TEXT_MAX, required=True)
    taken = QuickReply.objects.filter(store=store, shortcut__iexact=shortcut)
    if quick_reply is not None and quick_reply.pk:
        taken = taken.exclude(pk=quick_reply.pk)
    if taken.exists():
        raise ValidationError({"shortcut": _("You already have a quick reply with this shortcut.")})
    return shortcut, text


def _require_owner(*, actor: User, store: Store) -> None:
    # The site's staff may help a seller with theirs (the back office).
    if not (rules.is_store_member(user=actor, store=store) or (actor.is_active and actor.is_superuser)):
        raise PermissionDenied(_("Only the store's owner manages its quick replies."))


def _save(quick_reply: QuickReply) -> QuickReply:
    try:
        with transaction.atomic():
            quick_reply.save()
    except IntegrityError:  # the same shortcut, saved twice at once
        raise ValidationError({"shortcut": _("You already have a quick reply with this shortcut.")}) from None
    return quick_reply


def create_quick_reply(*, store: Store, actor: User, shortcut: str, text: str) -> QuickReply:
    _require_owner(actor=actor, store=store)
    shortcut, text = clean_quick_reply(store=store, shortcut=shortcut, text=text)
    return _save(QuickReply(store=store, shortcut=shortcut, text=text))


def update_quick_reply(*, quick_reply: QuickReply, actor: User, shortcut: str, text: str) -> QuickReply:
    _require_owner(actor=actor, store=quick_reply.store)
    quick_reply.shortcut, quick_reply.text = clean_quick_reply(
        store=quick_reply.store, shortcut=shortcut, text=text, quick_reply=quick_reply
    )
    return _save(quick_reply)


def delete_quick_reply(*, quick_reply: QuickReply, actor: User) -> None:
    _require_owner(actor=actor, store=quick_reply.store)
    quick_reply.delete()


def placeholder_values(*, conversation: Conversation) -> dict[str, str]:
    """What each placeholder stands for in ``conversation``: the buyer's name, their latest
    order with this store, the store's bank account for transfers ("" when there is none)."""
    order_number = (
        Order.objects.filter(store_id=conversation.store_id, buyer_id=conversation.shopper_id)
        .order_by("-placed_at", "-id")
        .values_list("number", flat=True)
        .first()
    )
    bank = StoreCheckoutSettings.objects.filter(store_id=conversation.store_id).first()
    bank_account = ""
    if bank is not None and bank.accepts_bank_transfer:
        bank_account = f"{bank.bank_name} {bank.bank_account_number} a.n. {bank.bank_account_holder}"
    return {
        "buyer_name": conversation.shopper.display_name,
        "order_number": order_number or "",
        "bank_account": bank_account,
    }


def fill(*, text: str, values: dict[str, str]) -> str:
    for name in PLACEHOLDERS:
        text = text.replace("{" + name + "}", values.get(name, ""))
    return text


def fill_quick_reply(*, quick_reply: QuickReply, conversation: Conversation, actor: User) -> str:
    """The quick reply's text for this conversation, placeholders filled; only the store's side."""
    if quick_reply.store_id != conversation.store_id or rules.side_of(user=actor, conversation=conversation) != "store":
        raise PermissionDenied(_("This quick reply is not your store's."))
    return fill(text=quick_reply.text, values=placeholder_values(conversation=conversation))
