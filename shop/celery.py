"""The Celery app. Without ``REDIS_URL`` tasks run eagerly, in-process, through the same code."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("etalase")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
