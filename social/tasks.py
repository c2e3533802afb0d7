from celery import shared_task

from shop.images import fill_renditions
from social import services
from social.models import PostImage


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def make_post_image_renditions(image_id: int) -> bool:
    return fill_renditions(PostImage, image_id)


@shared_task(acks_late=True, retry_backoff=True, max_retries=8, autoretry_for=(Exception,))
def fan_out_post_task(post_id: int) -> int:
    return services.fan_out_post(post_id=post_id)


@shared_task(acks_late=True)
def trim_feeds_task() -> int:
    return services.trim_feeds()
