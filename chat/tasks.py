from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from chat.assistant.tasks import (  # noqa: F401 (registered with Celery through this module)
    answer_new_messages_task,
    nudge_abandoned_carts_task,
    republish_pending_answers_task,
    send_auto_reply_task,
    send_due_auto_replies_task,
)
from chat.channels import inbound, intake, order_updates, outbound
from chat.services.offers import expire_offers
from chat.services.unread_emails import email_unread_conversations


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def email_unread_chats_task() -> int:
    return email_unread_conversations()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def expire_offers_task() -> int:
    """Open offers past their time become expired, and their cards follow live."""
    return expire_offers()


# --- Messaging channels (chat.channels) ---------------------------------------------------


@shared_task(bind=True, acks_late=True, max_retries=8)
def process_webhook_event_task(self, event_id: int) -> str:
    """Turn a stored webhook event into its effect, once. Retried with backoff while a
    provider cannot be reached or a status waits for its message."""
    try:
        return inbound.process(event_id)
    except (inbound.Retry, OperationalError) as exc:
        if self.request.retries >= self.max_retries:
            inbound.give_up(event_id, f"gave up after {self.request.retries} retries: {exc}")
            return "gave up"
        return _retry(self, exc, countdown=min(5 * 2**self.request.retries, 600))


@shared_task(acks_late=True)
def hand_over_webhook_events_task() -> int:
    """The webhooks' events queued in Redis, each handed to ``process_webhook_event_task``
    (``intake.enqueue``: one of these for the deliveries that arrive until a worker starts it)."""
    return intake.hand_over_queued()


@shared_task(bind=True, acks_late=True)
def deliver_outbound_task(self, outbound_id: int) -> str:
    """Send the store's message through its channel; retried with backoff (5 s, 10 s, 20 s...)
    while the provider cannot be reached, failed for good after CHANNELS_SEND_RETRIES."""
    final = self.request.retries >= settings.CHANNELS_SEND_RETRIES
    try:
        return outbound.deliver(outbound_id, final_attempt=final)
    except outbound.Retry as exc:
        return _retry(self, exc, countdown=min(5 * 2**self.request.retries, 600))


@shared_task(bind=True, acks_late=True)
def deliver_order_update_task(self, delivery_id: int) -> str:
    """Send an order update to the buyer's WhatsApp; retried like the chat's replies."""
    final = self.request.retries >= settings.CHANNELS_SEND_RETRIES
    try:
        return order_updates.deliver(delivery_id, final_attempt=final)
    except order_updates.Retry as exc:
        return _retry(self, exc, countdown=min(5 * 2**self.request.retries, 600))


def _retry(task, exc: Exception, *, countdown: int) -> str:
    """Retry ``task`` later. Run eagerly (no broker: tests, ``make run`` without Redis), Celery
    would raise the retry into the caller's commit instead: the next attempt runs here."""
    request = task.request
    if request.is_eager:  # no countdown without a broker: the next attempt runs now
        return task.apply(args=request.args, kwargs=request.kwargs, retries=request.retries + 1).result
    raise task.retry(exc=exc, countdown=countdown, max_retries=None) from None


@shared_task(acks_late=True)
def republish_channel_work_task() -> int:
    """Hand over again the events and deliveries whose task was lost (the broker was down),
    and the events left queued in Redis (their hand-over task lost)."""
    from datetime import timedelta

    from django.utils import timezone

    from chat.channels.models import OrderUpdateDelivery, OutboundMessage, WebhookEvent

    now = timezone.now()
    before = now - timedelta(seconds=settings.PENDING_WORK_AFTER_SECONDS)
    since = now - timedelta(hours=settings.PENDING_WORK_WINDOW_HOURS)
    events = list(
        WebhookEvent.objects.filter(processed_at__isnull=True, received_at__range=(since, before))
        .order_by("received_at")
        .values_list("pk", flat=True)[:1000]
    )
    intake.hand_over_queued()
    intake.publish_each(events)
    deliveries = list(
        OutboundMessage.objects.filter(state=OutboundMessage.State.QUEUED, created_at__range=(since, before))
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in deliveries:
        outbound.enqueue(pk)
    updates = list(
        OrderUpdateDelivery.objects.filter(state=OutboundMessage.State.QUEUED, created_at__range=(since, before))
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in updates:
        order_updates.enqueue(pk)
    return len(events) + len(deliveries) + len(updates)
