"""Who answers a conversation: the assistant or a person of the store. One decision, here.

- A store without assistant settings, or with the assistant off: a person.
- Either side blocked the other: nobody (a person, who cannot write either).
- The shopper asked for a person ("admin", "CS", "manusia", or the button): a person, until
  the store hands the conversation back.
- A person of the store wrote within the store's pause (``pause_minutes``) and after the last
  hand-back: a person (the assistant is paused).
- Otherwise the assistant.

The assistant posts only with the conversation's row locked and this decision taken under that
lock (``replies.post``), and a person's send takes the same lock, so it never talks over a
person who has just written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chat import lock_objects
from chat.assistant.models import AssistantEvent, AssistantSettings, AssistantState
from chat.models import Conversation, Message, Side
from chat.services import rules
from shop.models import User

ASSISTANT, PERSON = "assistant", "person"
OFF, BLOCKED, HANDOFF, PAUSED = "off", "blocked", "handoff", "paused"


@dataclass(frozen=True)
class Decision:
    answerer: str  # ASSISTANT or PERSON
    reason: str = ""  # for PERSON: OFF, BLOCKED, HANDOFF or PAUSED
    paused_until: datetime | None = None

    @property
    def assistant(self) -> bool:
        return self.answerer == ASSISTANT


def settings_for(store_id: int) -> AssistantSettings | None:
    return AssistantSettings.objects.filter(store_id=store_id).first()


def who_answers(
    conversation: Conversation,
    *,
    at: datetime | None = None,
    settings: AssistantSettings | None = None,
    state: AssistantState | None = None,
) -> Decision:
    """Whether the assistant or a person answers ``conversation`` at ``at`` (now). ``settings``
    and ``state``, when given, save their queries."""
    at = at or timezone.now()
    settings = settings if settings is not None else settings_for(conversation.store_id)
    if settings is None or not settings.enabled:
        return Decision(PERSON, OFF)
    if rules.blocked_by(store_id=conversation.store_id, shopper_id=conversation.shopper_id):
        return Decision(PERSON, BLOCKED)
    if state is None:
        state = AssistantState.objects.filter(conversation_id=conversation.pk).first()
    if state is not None and state.handoff_at is not None:
        return Decision(PERSON, HANDOFF)
    since = at - timedelta(minutes=settings.pause_minutes)
    if state is not None and state.handed_back_at is not None and state.handed_back_at > since:
        since = state.handed_back_at
    last_person = (
        Message.objects.filter(
            conversation_id=conversation.pk, sender_side=Side.STORE, is_automated=False, created_at__gt=since
        )
        .order_by("-id")
        .values_list("created_at", flat=True)
        .first()
    )
    if last_person is not None:
        return Decision(PERSON, PAUSED, paused_until=last_person + timedelta(minutes=settings.pause_minutes))
    return Decision(ASSISTANT)


def state_for(conversation: Conversation) -> AssistantState:
    """The conversation's state row, made if missing. Caller holds the conversation's lock."""
    state, _created = AssistantState.objects.get_or_create(conversation_id=conversation.pk)
    return state


def ask_for_person(*, conversation: Conversation, shopper: User) -> Message | None:
    """The shopper's "Talk to a person" button: the assistant hands the conversation to the
    store's people and says so. Idempotent (None when it was already handed over, or the
    store has no assistant)."""
    from chat.assistant import replies

    if rules.side_of(user=shopper, conversation=conversation) != Side.SHOPPER:
        raise PermissionDenied(_("Only the shopper asks for a person here."))
    with transaction.atomic():
        locked = lock_objects.conversation_for_update(conversation.pk)
        settings = settings_for(locked.store_id)
        if settings is None or not settings.enabled:
            return None
        state = state_for(locked)
        if state.handoff_at is not None:
            return None
        return replies.hand_to_person(locked, state=state, at=timezone.now())


def hand_back(*, conversation: Conversation, actor: User) -> AssistantState:
    """A person of the store hands the conversation back to the assistant: the shopper's
    request for a person and the pause of the store's own messages so far end. Idempotent."""
    if rules.side_of(user=actor, conversation=conversation) != Side.STORE:
        raise PermissionDenied(_("Only the store hands a chat back to its assistant."))
    with transaction.atomic():
        locked = lock_objects.conversation_for_update(conversation.pk)
        state = state_for(locked)
        now = timezone.now()
        state.handoff_at = None
        state.handed_back_at = now
        state.save(update_fields=["handoff_at", "handed_back_at"])
        AssistantEvent.objects.create(
            store_id=locked.store_id, conversation=locked, kind=AssistantEvent.Kind.HANDED_BACK, created_at=now
        )
    return state
