"""The Celery app. Without ``REDIS_URL`` tasks run eagerly, in-process, through the same code."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("etalase")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_postrun.connect
def hand_on_events(**kwargs) -> None:
    """Events a task recorded (a campaign's emails sent, an order paid by a task) go to Redis
    when it ends, as a request's do, instead of waiting in the worker for the next batch."""
    from django.conf import settings

    from shop import events

    if settings.EVENTS_REDIS_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
        events.flush()
