"""The chat notification kind and who gets it. ``chat.services`` calls ``message_received``
inside the send's transaction; ``register_kinds`` runs in ``ChatConfig.ready()``.

One conversation's messages share a group key, so the inbox shows one line per conversation
("3 new messages from Toko Batik") however many messages arrived.
"""

from __future__ import annotations

from django.utils.translation import gettext, ngettext
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


def unread_text(actor: str, others: int, data: dict) -> str:
    count = int(data.get("count") or 1)
    name = data.get("from") or actor or gettext("Someone")
    return ngettext(
        "You have %(count)d unread message from %(name)s", "You have %(count)d unread messages from %(name)s", count
    ) % {"count": count, "name": name}


# The email shows at most this many of the unread messages, newest last.
EMAIL_MESSAGES = 5


def unread_email_context(notification) -> dict:
    """The unread messages as they are when the email is sent (plain text: the templates escape)."""
    from chat.models import Conversation, Message, watermark_field

    data = notification.data
    conversation = Conversation.objects.filter(pk=data.get("conversation")).first()
    side = data.get("side")
    if conversation is None or side not in ("shopper", "store"):
        return {"chat_messages": []}
    watermark = getattr(conversation, watermark_field(side))
    unread = (
        Message.objects.filter(conversation=conversation, id__gt=watermark)
        .exclude(sender_side=side)
        .order_by("-id")[:EMAIL_MESSAGES]
    )
    return {"chat_messages": [message.body or message.get_kind_display() for message in reversed(unread)]}


def register_kinds() -> None:
    kinds.register(
        kinds.Kind(name="chat_message", label=_("Chat messages"), text=message_text),
        # One email per conversation left unread (chat.services.unread_emails), never one per message.
        kinds.Kind(
            name="chat_unread",
            label=_("Unread chat messages (email)"),
            text=unread_text,
            email_template="chat/emails/unread",
            email_context=unread_email_context,
        ),
    )


def message_received(*, recipient: User, sender: User, conversation_id: int, sender_name: str, url: str) -> None:
    notify(
        recipient=recipient,
        kind="chat_message",
        actor=sender,
        target_url=url,
        group_key=group_key(conversation_id),
        data={"conversation": conversation_id, "from": sender_name},
    )
