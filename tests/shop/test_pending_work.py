"""Work recorded on a row and handed to the broker after commit is never lost to an outage: a
post's fan-out (``Post.fanned_out_at``) and a picture's renditions (``renditions_source``) stay
pending, and the apps' sweepers (``shop.broker.republish_pending``, on the beat schedule) hand
them over again once the broker answers, each done once.

The outage is a real ``redis-server`` the test stops and starts (tests/shop/test_redis_outage.py),
the work is done by a real worker (tests/celery_worker.py).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog import services as catalog_services
from catalog import tasks as catalog_tasks
from catalog.models import ProductImage
from checkout import reminders, webhooks
from checkout import services as checkout_services
from checkout.models import Order
from checkout.payments import stripe as stripe_provider
from checkout.tasks import remind_carted_variant_task
from shop import broker
from shop.images import verify_image
from shop.models import Notification
from social import services as social_services
from social import tasks as social_tasks
from social.models import FeedEntry, Post, PostImage, Recommendation
from tests.celery_worker import (
    DEAD_BROKER,
    delete_queue,
    new_queue_name,
    publishing_to,
    running_worker,
    shared_database,
)
from tests.factories import (
    ProductFactory,
    StoreFactory,
    UserFactory,
    buyable_variant,
    image_file,
    make_post,
    place,
)
from tests.shop.test_redis_outage import on_redis, redis_server  # noqa: F401  (fixtures)


def _succeeded(worker_log: str, task_name: str) -> int:
    return sum(1 for line in worker_log.splitlines() if f"Task {task_name}[" in line and "succeeded" in line)


@pytest.mark.django_db(transaction=True)
def test_a_post_and_a_product_image_made_while_the_broker_is_down_are_done_once_when_it_is_back(
    on_redis,  # noqa: F811
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    # given a store, a follower whose feed is built, and this process handing tasks to Redis
    store = StoreFactory()
    store_profile = social_services.profile_for_store(store=store)
    follower = UserFactory()
    social_services.follow(follower=follower, profile=store_profile)
    social_services.build_feed(user=follower)
    product = ProductFactory(store=store, status="active")
    queue = new_queue_name()
    with publishing_to(on_redis.url, queue):
        # when the broker is down and the store posts and adds a product picture
        on_redis.stop()
        with django_capture_on_commit_callbacks(execute=True):
            post = make_post(store.owner, profile=store_profile, caption="Batik tulis baru")
        with django_capture_on_commit_callbacks(execute=True):
            picture = catalog_services.add_product_image(product=product, image=verify_image(image_file()))
        # then both are saved, their work pending
        assert Post.objects.get(pk=post.pk).fanned_out_at is None
        assert not FeedEntry.objects.filter(owner=follower, post=post).exists()
        assert not ProductImage.objects.get(pk=picture.pk).renditions_ready
        assert not PostImage.objects.get(post=post).renditions_ready
        # and sweeping while it is still down hands nothing over (and waits for no one)
        settings.PENDING_WORK_AFTER_SECONDS = 0
        assert social_tasks.republish_pending_work_task() == 0

    # when the broker is back, with a worker, and the sweepers run (beat runs them every minute)
    on_redis.start()
    time.sleep(settings.BROKER_RETRY_SECONDS + 0.1)  # past this process's wait before trying it again
    env = {"MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    with (
        shared_database(tmp_path) as database_url,
        running_worker(
            queue=queue, redis_url=on_redis.url, database_url=database_url, log_path=tmp_path / "w.log", env=env
        ) as worker,
        publishing_to(on_redis.url, queue),
    ):
        handed = social_tasks.republish_pending_work_task() + catalog_tasks.republish_pending_work_task()
        worker.wait_for(
            lambda: (
                Post.objects.get(pk=post.pk).fanned_out_at is not None
                and ProductImage.objects.get(pk=picture.pk).renditions_ready
                and PostImage.objects.get(post=post).renditions_ready
            ),
            "the fan-out and the renditions",
        )
        worker.wait_until_idle()
        # and again, a minute later: nothing is due any more
        again = social_tasks.republish_pending_work_task() + catalog_tasks.republish_pending_work_task()
        worker.wait_until_idle()
        log = worker.log()
        entries = FeedEntry.objects.filter(owner=follower, post=post).count()  # (SQLite: the shared copy)
    delete_queue(on_redis.url, queue)
    # then the fan-out and each picture's renditions were handed over and done once
    assert (handed, again) == (3, 0)
    assert entries == 1
    assert _succeeded(log, "social.tasks.fan_out_post_task") == 1
    assert _succeeded(log, "social.tasks.make_post_image_renditions") == 1
    assert _succeeded(log, "catalog.tasks.make_product_image_renditions") == 1


@pytest.mark.django_db
def test_the_sweeper_leaves_recent_done_and_old_work_alone(settings, django_capture_on_commit_callbacks):
    # given a post fanned out (the task ran in-process), one pending but within the grace
    # (its task may still be queued), and one pending past the window (given up)
    settings.PENDING_WORK_AFTER_SECONDS = 120
    settings.PENDING_WORK_WINDOW_HOURS = 24
    with django_capture_on_commit_callbacks(execute=True):
        done = make_post(UserFactory())
    recent, old = make_post(UserFactory()), make_post(UserFactory())
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    now = timezone.now()
    # then only the pending posts in the window are due
    due = social_services.pending_fan_outs(since=now - timedelta(hours=24), until=now)
    assert set(due.values_list("pk", flat=True)) == {recent.pk}
    assert Post.objects.get(pk=done.pk).fanned_out_at is not None
    # and the sweeper, which waits out the grace, hands over none of them
    broker.forget_outage()
    assert social_tasks.republish_pending_work_task() == 0


@pytest.mark.django_db
def test_fanning_out_a_post_twice_does_it_once(django_capture_on_commit_callbacks):
    store = StoreFactory()
    follower = UserFactory()
    social_services.follow(follower=follower, profile=social_services.profile_for_store(store=store))
    social_services.build_feed(user=follower)
    post = make_post(store.owner, profile=social_services.profile_for_store(store=store))
    assert social_services.fan_out_post(post_id=post.pk) == 1
    marked = Post.objects.get(pk=post.pk).fanned_out_at
    FeedEntry.objects.filter(post=post).delete()  # trimmed since, say
    assert social_services.fan_out_post(post_id=post.pk) == 0
    assert not FeedEntry.objects.filter(post=post).exists()
    assert Post.objects.get(pk=post.pk).fanned_out_at == marked


# --- Work with a fallback instead of a row ------------------------------------------------------


@pytest.mark.django_db
def test_with_the_broker_down_recommenders_are_told_late_refunds_made_here_and_reminders_skipped_quietly(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    # given a buyer who shares purchases, and a friend who recommended a product to them
    buyer, ani = UserFactory(share_purchases=True), UserFactory(first_name="Ani")
    for a, b in ((buyer, ani), (ani, buyer)):
        social_services.follow(follower=a, profile=social_services.profile_for_user(user=b))
    variant = buyable_variant()
    social_services.recommend(sender=ani, recipients=[buyer], product=variant.product)
    refunds = []
    monkeypatch.setattr(stripe_provider, "refund", lambda order: refunds.append(order.pk) or "re_test")
    with publishing_to(DEAD_BROKER, new_queue_name()), caplog.at_level(logging.WARNING):
        # when the buyer's order is paid while the broker is down
        order = place(buyer, (variant, 1)).orders[0]
        with django_capture_on_commit_callbacks(execute=True):
            checkout_services.confirm_transfer(order=order, actor=order.store.owner)
        # and card money arrives for a cancelled order
        late = place(buyer, (buyable_variant(), 1)).orders[0]
        checkout_services.cancel_order(order=late, actor=buyer)
        webhooks._enqueue_late_refunds([late.pk])
        # and restocks send their reminders
        started = time.monotonic()
        for _restock in range(20):
            reminders.enqueue(remind_carted_variant_task, variant.pk, reminders.BACK_IN_STOCK)
        elapsed = time.monotonic() - started
    # then the recommender is told, here and now
    assert Notification.objects.filter(recipient=ani, kind="recommendation_purchased").exists()
    assert Recommendation.objects.get().purchased_order_id == order.pk
    # and the money goes back, here and now
    assert refunds == [late.pk]
    assert Order.objects.get(pk=late.pk).refunded_amount == late.total
    # and the reminders are skipped at once; the outage is logged once, not per task
    assert elapsed < 1
    assert caplog.text.count("The task broker is unreachable") == 1
    assert "Could not enqueue" not in caplog.text


def test_the_sweepers_are_on_the_beat_schedule(settings):
    scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in (catalog_tasks.republish_pending_work_task, social_tasks.republish_pending_work_task):
        assert scheduled.get(task.name) == 60, task.name
