"""Row locks taken by chat, in one place. A service that changes a conversation's counters
or watermarks locks the conversation row first (and only it), so sends and reads of one
conversation run one after the other and never wait on each other in a circle."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from chat.models import Conversation
from shop.models import User

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class SendAnnotations(TypedDict):
    existing_message_id: int | None
    assistant_on: bool


def conversation_for_update(pk: int) -> Conversation | None:
    """The conversation, locked, with its store (and owner) and shopper loaded (not locked)."""
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("store__owner", "shopper")
        .filter(pk=pk)
        .first()
    )


def conversation_to_send(
    pk: int, *, sender: User, client_id: str
) -> WithAnnotations[Conversation, SendAnnotations] | None:
    """The conversation ``pk`` locked, with its store, if ``sender`` is its shopper or its
    store's owner (else None), in ONE query that also answers what a send
    asks next (each a subquery, read under the lock):

    - ``existing_message_id``: the sender's message with ``client_id`` (a retry), or None;
    - ``blocked_sides``: the sides that blocked the other in this pair (``Block.blocked_by``);
    - ``assistant_on``: whether the store's assistant is on (``chat.assistant.receivers``)."""
    from django.db.models import Exists, OuterRef, Q, Subquery

    from chat.assistant.models import AssistantSettings
    from chat.models import Block, Message, Side

    found = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("store")
        .filter(Q(shopper=sender) | Q(store__owner=sender), pk=pk)
        .annotate(
            existing_message_id=Subquery(Message.objects.filter(sender=sender, client_id=client_id).values("pk")[:1]),
            # One EXISTS per side (SQLite has no arrays; ``make run`` runs on it).
            **{
                f"blocked_by_{side}": Exists(
                    Block.objects.filter(
                        store_id=OuterRef("store_id"), shopper_id=OuterRef("shopper_id"), blocked_by=side
                    )
                )
                for side in (Side.STORE, Side.SHOPPER)
            },
            assistant_on=Exists(AssistantSettings.objects.filter(store_id=OuterRef("store_id"), enabled=True)),
        )[:1]
    )
    for conversation in found:
        conversation.blocked_sides = [
            side for side in (Side.STORE, Side.SHOPPER) if getattr(conversation, f"blocked_by_{side}")
        ]
        # The sender is one of the two people: known already. The other is read only if needed
        # (a notification, a context card), not joined into every send.
        if conversation.shopper_id == sender.pk:
            conversation.shopper = sender
        else:
            conversation.store.owner = sender
        return conversation
    return None
