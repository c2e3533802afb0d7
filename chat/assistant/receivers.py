"""How the assistant joins the chat's message flow: on ``chat.signals.message_sent`` (sent on
commit by ``chat.services``), a shopper's own message of a store with an assistant hands a
task to the broker. The shopper's send waits for nothing more than that hand-over (with no
broker configured, tasks run in-process, as everywhere in the project)."""

from __future__ import annotations

from chat.models import Side


def shopper_message_sent(sender, *, message, **kwargs) -> None:
    from chat.assistant.models import AssistantSettings
    from chat.assistant.tasks import answer_new_messages_task
    from shop.broker import publish

    if message.sender_side != Side.SHOPPER or message.is_automated:
        return
    conversation = message.conversation
    # ``chat.services.send_message`` read it with the conversation's lock (``assistant_on``).
    assistant_on = getattr(conversation, "assistant_on", None)
    if assistant_on is None:
        assistant_on = AssistantSettings.objects.filter(store_id=conversation.store_id, enabled=True).exists()
    if not assistant_on:
        return
    # A lost hand-over is handed over again by republish_pending_answers_task.
    publish(answer_new_messages_task, conversation.pk)


def connect() -> None:
    """Called from ``ChatConfig.ready()``."""
    from chat import signals

    signals.message_sent.connect(shopper_message_sent, dispatch_uid="chat.assistant.shopper_message_sent")
