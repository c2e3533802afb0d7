from celery import shared_task

from catalog import services
from shop.broker import PendingWork, republish_pending


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def make_product_image_renditions(image_id: int) -> bool:
    return services.make_renditions_for(image_id=image_id)


@shared_task(acks_late=True)
def republish_pending_work_task() -> int:
    """Periodic: hand over again the renditions whose task was lost (shop.broker.republish_pending)."""
    return republish_pending(PendingWork(make_product_image_renditions, services.pending_product_renditions))
