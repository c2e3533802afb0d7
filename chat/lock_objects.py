"""Row locks taken by chat, in one place. A service that changes a conversation's counters
or watermarks locks the conversation row first (and only it), so sends and reads of one
conversation run one after the other and never wait on each other in a circle."""

from __future__ import annotations

from chat.models import Conversation


def conversation_for_update(pk: int) -> Conversation | None:
    """The conversation, locked, with its store (and owner) and shopper loaded (not locked)."""
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("store__owner", "shopper")
        .filter(pk=pk)
        .first()
    )
