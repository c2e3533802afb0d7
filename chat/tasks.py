from celery import shared_task
from django.db import OperationalError

from chat.assistant.tasks import (  # noqa: F401 (registered with Celery through this module)
    answer_new_messages_task,
    nudge_abandoned_carts_task,
    republish_pending_answers_task,
    send_auto_reply_task,
    send_due_auto_replies_task,
)
from chat.services.offers import expire_offers
from chat.services.unread_emails import email_unread_conversations


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def email_unread_chats_task() -> int:
    return email_unread_conversations()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def expire_offers_task() -> int:
    """Open offers past their time become expired, and their cards follow live."""
    return expire_offers()
