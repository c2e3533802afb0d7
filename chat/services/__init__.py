"""Chat's writes. Every service takes keyword-only arguments and no request; the pages, the
API (and next, the socket) call the same ones."""

from chat.services.conversations import (
    block,
    create_label,
    handle_report,
    open_conversation,
    report,
    set_labels,
    set_note,
    unblock,
)
from chat.services.messages import NotInConversation, ReadState, mark_read, send_message
from chat.services.offers import OfferLineInput, expire_offers, send_offer, withdraw_offer
from chat.services.quick_replies import (
    create_quick_reply,
    delete_quick_reply,
    fill_quick_reply,
    update_quick_reply,
)

__all__ = [
    "OfferLineInput",
    "NotInConversation",
    "ReadState",
    "block",
    "create_label",
    "create_quick_reply",
    "delete_quick_reply",
    "expire_offers",
    "fill_quick_reply",
    "handle_report",
    "mark_read",
    "open_conversation",
    "report",
    "send_message",
    "send_offer",
    "set_labels",
    "set_note",
    "unblock",
    "update_quick_reply",
    "withdraw_offer",
]
