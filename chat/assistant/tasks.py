"""The assistant's Celery tasks: thin, idempotent wrappers (registered through chat.tasks)."""

from celery import shared_task
from django.db import OperationalError

from chat.assistant import nudges, replies
from shop.broker import PendingWork, publish, republish_pending


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def answer_new_messages_task(conversation_id: int) -> int:
    return len(replies.answer_new_messages(conversation_id=conversation_id))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_auto_reply_task(conversation_id: int) -> bool:
    return replies.send_auto_reply(conversation_id=conversation_id) is not None


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def send_due_auto_replies_task() -> int:
    """Periodic: the auto-replies now due (each in its own task, checked again there)."""
    handed = 0
    for conversation_id in replies.auto_reply_due().order_by("pk").values_list("pk", flat=True)[:500]:
        if not publish(send_auto_reply_task, conversation_id):
            break
        handed += 1
    return handed


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def republish_pending_answers_task() -> int:
    """Periodic: shopper messages whose answering task was lost (the broker was down)."""
    return republish_pending(PendingWork(answer_new_messages_task, replies.pending_answers))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def nudge_abandoned_carts_task() -> int:
    """Periodic: one nudge in the chat for a cart left with a store (chat.assistant.nudges)."""
    return nudges.nudge_abandoned_carts()
