"""Who may do what in a conversation, and what a person typed, checked once for every service
(and for the pages and the API, to show or hide a button)."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Store
from chat.channels.choices import EXTERNAL
from chat.models import CLIENT_ID_MAX, Block, Conversation, Side
from shop.models import User
from social.ratelimit import Limit

# Per person, on the shared cache (social.ratelimit). A seller answering a busy inbox
# sends a message every few seconds at most; a script sends many a second.
MESSAGE_LIMIT = Limit(60, 60, gettext_lazy("You are sending messages too fast. Please wait a minute."))
CONVERSATION_LIMIT = Limit(
    20, 3600, gettext_lazy("You have started too many new chats. Please wait a while before starting another.")
)

CLIENT_ID_PATTERN = re.compile(rf"^[A-Za-z0-9_.:-]{{1,{CLIENT_ID_MAX}}}$")


def is_store_member(*, user: User, store: Store) -> bool:
    """Whether ``user`` answers for ``store``: its owner (a store has one person today)."""
    return user.is_authenticated and user.is_active and store.owner_id == user.pk


def side_of(*, user: User, conversation: Conversation) -> str | None:
    """``"shopper"``, ``"store"``, or None for anyone else (``conversation.store`` loaded)."""
    if not user.is_authenticated:
        return None
    if conversation.shopper_id == user.pk:
        # A WhatsApp or Telegram customer's user cannot log in (inactive) yet writes through
        # its channel's webhook; a deactivated site account writes nothing.
        return Side.SHOPPER if user.is_active or conversation.channel in EXTERNAL else None
    if not user.is_active:
        return None
    if is_store_member(user=user, store=conversation.store):
        return Side.STORE
    return None


def require_side(*, user: User, conversation: Conversation) -> str:
    side = side_of(user=user, conversation=conversation)
    if side is None:
        raise PermissionDenied(_("This conversation is not yours."))
    return side


def blocked_by(*, store_id: int, shopper_id: int) -> set[str]:
    """The sides that blocked the other in this pair: empty, or "shopper" and/or "store"."""
    return set(Block.objects.filter(store_id=store_id, shopper_id=shopper_id).values_list("blocked_by", flat=True))


def refuse_if_blocked(*, sides: set[str], side: str) -> None:
    """Refuse a message from ``side`` when either side blocked the other, saying which."""
    if not sides:
        return
    if side in sides:
        if side == Side.SHOPPER:
            raise PermissionDenied(_("You blocked this store. Unblock it to send messages."))
        raise PermissionDenied(_("You blocked this shopper. Unblock them to send messages."))
    if side == Side.SHOPPER:
        raise PermissionDenied(_("This store does not accept messages from you."))
    raise PermissionDenied(_("This shopper does not accept messages from your store."))


def clean_text(value: object, *, field: str, limit: int, required: bool = False) -> str:
    """Stripped text, with no NUL byte (PostgreSQL cannot store one) and at most ``limit`` characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Enter text.")})
    value = value.strip()
    if "\x00" in value:
        raise ValidationError({field: _("Null characters are not allowed.")})
    if len(value) > limit:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": limit}})
    if required and not value:
        raise ValidationError({field: _("Write something first.")})
    return value


def clean_client_id(value: object) -> str:
    if not isinstance(value, str) or not CLIENT_ID_PATTERN.match(value):
        raise ValidationError(
            {
                "client_id": _(
                    "Send a client id of 1 to %(n)d letters, digits, dots, dashes, colons or underscores "
                    "(a UUID is fine), new for each message."
                )
                % {"n": CLIENT_ID_MAX}
            }
        )
    return value
