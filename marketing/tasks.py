from celery import shared_task
from django.db import OperationalError

from marketing.rfm import score_contacts
from marketing.services.gathering import gather_contacts


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def gather_contacts_task() -> dict:
    """Everyone the stores met (orders, chats, WhatsApp and Telegram, followers) who has no
    contact yet gets one. Idempotent: a second run finds nobody new."""
    return gather_contacts()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def score_contacts_task() -> int:
    """The nightly RFM scores and groups (``marketing.rfm``), after gathering who is new.
    Idempotent: recomputed from the orders each time."""
    gather_contacts()
    return score_contacts()
