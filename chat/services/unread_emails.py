"""One email per unread conversation: a side that has left messages unread for a while
(``CHAT_UNREAD_EMAIL_MINUTES``, 10 by default) gets one email about the conversation, and
no other until it has read up to what that email was about.

Run every minute by ``chat.tasks.email_unread_chats_task`` (Celery beat). Each email is the
"chat_unread" notification kind: a row first and a delivery second (``shop.notifications``),
so the recipient's preferences and the one-click unsubscribe apply, and a broker outage
delays the email but never loses it. Running the sweep twice sends nothing twice: the
conversation row is locked and ``*_emailed_through_id`` moved in the same transaction as
the notification is written.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from chat import lock_objects
from chat.channels.choices import EXTERNAL
from chat.models import Conversation, Message, Side, emailed_field, unread_field, watermark_field
from chat.notifications import group_key
from shop.notifications.services import notify

BATCH = 500


def _due(side: str, cutoff: datetime) -> list[int]:
    """Conversations whose ``side`` has unread messages, the oldest older than ``cutoff``,
    and has read everything the last email was about."""
    oldest_unread = (
        Message.objects.filter(conversation_id=OuterRef("pk"), id__gt=OuterRef(watermark_field(side)))
        .exclude(sender_side=side)
        .order_by("id")
        .values("created_at")[:1]
    )
    conversations = Conversation.objects.all()
    if side == Side.SHOPPER:  # a WhatsApp or Telegram customer has no email: their channel told them
        conversations = conversations.exclude(channel__in=EXTERNAL)
    return list(
        conversations.filter(
            **{f"{unread_field(side)}__gt": 0, f"{emailed_field(side)}__lte": F(watermark_field(side))}
        )
        .annotate(oldest_unread_at=Subquery(oldest_unread))
        .filter(oldest_unread_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )


def email_unread_conversations(*, now: datetime | None = None) -> int:
    """Write the "chat_unread" notification (and its email) for every conversation side that
    is due. Returns how many were written."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.CHAT_UNREAD_EMAIL_MINUTES)
    sent = 0
    for side in (Side.SHOPPER, Side.STORE):
        for pk in _due(side, cutoff):
            sent += _email_one(pk, side)
    return sent


def _email_one(pk: int, side: str) -> int:
    with transaction.atomic():
        conversation = lock_objects.conversation_for_update(pk)
        # Checked again under the lock: a read or another sweep may have come first.
        if conversation is None or getattr(conversation, unread_field(side)) == 0:
            return 0
        if getattr(conversation, emailed_field(side)) > getattr(conversation, watermark_field(side)):
            return 0
        Conversation.objects.filter(pk=pk).update(**{emailed_field(side): conversation.last_message_id or 0})
        if side == Side.SHOPPER:
            recipient, name = conversation.shopper, conversation.store.name
        else:
            recipient, name = conversation.store.owner, conversation.shopper.display_name
        notify(
            recipient=recipient,
            kind="chat_unread",
            target_url=reverse("chat:thread", kwargs={"pk": pk}),
            group_key=group_key(pk),
            data={"conversation": pk, "from": name, "side": side, "count": getattr(conversation, unread_field(side))},
        )
    return 1
