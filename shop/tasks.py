import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives


@shared_task(
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_email(
    *, subject: str, body: str, from_email: str, to: list[str], html: str | None = None, headers: dict | None = None
) -> None:
    message = EmailMultiAlternatives(subject, body, from_email, to, headers=headers or {})
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task(bind=True, acks_late=True, max_retries=8)
def deliver_notification(self, delivery_id: int) -> str:
    """Send one notification email; idempotent (see ``shop.notifications.delivery``).
    Transient mail errors retry with exponential backoff: 10 s, 20 s, 40 s ... up to 10 min."""
    from shop.notifications.delivery import DeliveryFailed, give_up, send_delivery

    try:
        return send_delivery(delivery_id)
    except DeliveryFailed as exc:
        if self.request.retries >= self.max_retries:
            give_up(delivery_id, str(exc))
            return "failed"
        raise self.retry(exc=exc, countdown=min(600, 10 * 2**self.request.retries)) from exc


@shared_task(acks_late=True)
def sweep_deliveries() -> int:
    """Enqueue again every delivery still pending after a while (its first enqueue failed,
    e.g. the broker was down when the order was placed). Returns how many were enqueued."""
    from shop.notifications.delivery import stuck_deliveries
    from shop.notifications.services import enqueue_delivery

    return sum(1 for delivery_id in stuck_deliveries() if enqueue_delivery(delivery_id))
