from celery import shared_task

from catalog import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def make_product_image_renditions(image_id: int) -> bool:
    return services.make_renditions_for(image_id=image_id)
