from celery import shared_task
from django.db import OperationalError

from chat.services.offers import expire_offers
from chat.services.unread_emails import email_unread_conversations


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def email_unread_chats_task() -> int:
    return email_unread_conversations()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def expire_offers_task() -> int:
    """Open offers past their time become expired, and their cards follow live."""
    return expire_offers()
