import logging

from celery import shared_task
from django.db import OperationalError

from marketing.rfm import score_contacts
from marketing.services.gathering import gather_contacts
from shop.broker import BROKER_ERRORS

log = logging.getLogger(__name__)


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


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=8,
)
def send_campaign_chunk_task(self, campaign_id: int) -> int:
    """One chunk of a sending campaign (``marketing.campaigns.engine.send_chunk``), which hands
    over the next. Idempotent: rows are claimed by conditional updates; a repeated task finds
    nothing left or the campaign no longer sending. The mail server away: retried with backoff."""
    from marketing.campaigns.engine import send_chunk
    from marketing.sending import MailServerTrouble

    def hand_over_next(campaign_id: int) -> None:
        # To the queue this chunk came from (a deployment may give campaigns their own).
        queue = (self.request.delivery_info or {}).get("routing_key") or None
        try:
            send_campaign_chunk_task.apply_async((campaign_id,), queue=queue)
        except BROKER_ERRORS:
            log.warning("Could not hand over campaign %s's next chunk; the sweeper will.", campaign_id)

    try:
        return send_chunk(campaign_id, hand_over_next=hand_over_next)
    except MailServerTrouble as exc:
        raise self.retry(exc=exc, countdown=min(10 * 2**self.request.retries, 600)) from exc


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def sweep_campaigns_task() -> dict:
    """Every minute: due scheduled campaigns start, due A/B tests pick their winner, dead
    workers' claims are taken back, stalled campaigns get their chunk tasks again."""
    from marketing.campaigns.engine import sweep

    return sweep()


# --- Flows (marketing.flows) --------------------------------------------------------------------


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def evaluate_flows_task() -> dict:
    """Every minute: steps left in "sending" by a dead worker are swept, then every flow's due
    steps are evaluated (exits set-based, the rest claimed and handed to ``send_flow_steps_task``).
    Idempotent: claimed enrolments are not claimed again within the lease."""
    from marketing.flows.engine import evaluate, sweep

    swept = sweep()
    return {**evaluate(), "swept": swept}


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=8,
)
def send_flow_steps_task(self, enrolment_ids: list[int]) -> dict:
    """The due steps of these enrolments, each at most once (``marketing.flows.engine``): a
    repeated task finds the steps sent or not due. The mail server away: retried with backoff."""
    from marketing.flows.engine import send_steps
    from marketing.sending import MailServerTrouble

    try:
        return send_steps(enrolment_ids=enrolment_ids)
    except MailServerTrouble as exc:
        raise self.retry(exc=exc, countdown=min(10 * 2**self.request.retries, 600)) from exc


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def scan_flows_task() -> dict:
    """The periodic triggers: win-back, browse abandonment, abandoned carts. Idempotent: one
    enrolment per trigger (unique), and the re-entry cooldown."""
    from marketing.flows.triggers import scan

    return scan()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def flow_restock_task(variant_id: int) -> int:
    """A variant is back in stock: the back-in-stock flow for those who looked at it.
    Idempotent: the trigger is the variant and the day."""
    from marketing.flows.triggers import variant_restocked

    return variant_restocked(variant_id=variant_id)
