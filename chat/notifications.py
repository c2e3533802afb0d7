"""The chat notification kind and who gets it. ``chat.services`` calls ``message_received``
inside the send's transaction; ``register_kinds`` runs in ``ChatConfig.ready()``.

One conversation's messages share a group key, so the inbox shows one line per conversation
("3 new messages from Toko Batik") however many messages arrived.
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shop.models import User
from shop.notifications import kinds
from shop.notifications.services import notify


def message_text(actor: str, others: int, data: dict) -> str:
    # ``data["from"]``: the store's name when the store wrote (not its owner's username).
    name = data.get("from") or actor or gettext("Someone")
    return gettext("New message from %(name)s") % {"name": name}


def group_key(conversation_id: int) -> str:
    return f"chat:{conversation_id}"


def register_kinds() -> None:
    kinds.register(kinds.Kind(name="chat_message", label=_("Chat messages"), text=message_text))


def message_received(*, recipient: User, sender: User, conversation_id: int, sender_name: str, url: str) -> None:
    notify(
        recipient,
        "chat_message",
        actor=sender,
        target_url=url,
        group_key=group_key(conversation_id),
        data={"conversation": conversation_id, "from": sender_name},
    )
