from functools import partial

from celery import shared_task
from django.db import OperationalError

from shop.broker import PendingWork, republish_pending
from shop.images import fill_renditions, pending_renditions
from social import digest, reminders, services
from social.models import PostImage, ReviewPhoto


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def make_post_image_renditions(image_id: int) -> bool:
    return fill_renditions(PostImage, image_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def make_review_photo_renditions(photo_id: int) -> bool:
    return fill_renditions(ReviewPhoto, photo_id)


@shared_task(acks_late=True, retry_backoff=True, max_retries=8, autoretry_for=(Exception,))
def fan_out_post_task(post_id: int) -> int:
    return services.fan_out_post(post_id=post_id)


@shared_task(acks_late=True)
def republish_pending_work_task() -> int:
    """Periodic: hand over again the fan-outs and renditions whose task was lost
    (``shop.broker.republish_pending``)."""
    return republish_pending(
        PendingWork(fan_out_post_task, services.pending_fan_outs),
        PendingWork(make_post_image_renditions, partial(pending_renditions, PostImage)),
        PendingWork(make_review_photo_renditions, partial(pending_renditions, ReviewPhoto)),
    )


@shared_task(acks_late=True)
def trim_feeds_task() -> int:
    return services.trim_feeds()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def remind_savers_task(variant_id: int, kind: str, old_price: int | None = None) -> int:
    """Back in stock or cheaper: tell who saved a post tagging the product (once a day)."""
    return reminders.remind_savers(variant_id=variant_id, kind=kind, old_price=old_price)


@shared_task(acks_late=True)
def send_daily_digests_task() -> int:
    """Daily: one digest per follower of the stores that posted in the last 24 hours."""
    return digest.send_daily_digests()


@shared_task(acks_late=True)
def compute_product_affinities_task() -> int:
    """Periodic: "you may also like" for every product on sale, replaced in one transaction."""
    from social.services.recommendations import compute_product_affinities

    return compute_product_affinities()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def tell_recommenders_task(order_id: int) -> int:
    """After an order was paid: its buyer's recommenders hear of it, once (if the buyer shares purchases)."""
    from checkout.models import Order
    from social.services.recommendations import record_recommended_purchase

    order = Order.objects.filter(pk=order_id).first()
    return record_recommended_purchase(order=order) if order is not None else 0
