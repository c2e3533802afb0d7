import smtplib

from celery import shared_task
from celery.exceptions import Reject
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


# No max_retries: the delivery row counts its attempts and gives up (shop.notifications.delivery).
@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_notification(self, delivery_id: int) -> str:
    """Send one notification email; idempotent (see ``shop.notifications.delivery``).
    Transient mail errors retry with exponential backoff: 10 s, 20 s, 40 s ... up to 10 min."""
    from shop.notifications.delivery import DeliveryFailed, release, send_delivery

    try:
        return send_delivery(delivery_id)
    except DeliveryFailed as exc:
        try:
            retry = self.retry(exc=exc, countdown=exc.retry_in, throw=False)
        except Reject:
            release(delivery_id)  # the retry could not be handed over: the sweeper takes it when due
            raise
        raise retry from exc


@shared_task(acks_late=True)
def sweep_deliveries() -> int:
    """Hand over every delivery that is due and has no task: its hand-over failed (the broker
    was down when the order was placed) or expired (a worker died with it). Deliveries waiting
    for a retry, or with a task in the queue, are left alone. Returns how many were handed over."""
    from shop.notifications.delivery import deliveries_to_hand_over
    from shop.notifications.services import hand_over

    return hand_over(delivery_ids=deliveries_to_hand_over())
