"""System checks of the deployment (``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

# Backends whose entries live in one process: every worker would count, cache and forget alone.
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, deploy=True)
def check_shared_cache_and_broker(app_configs, **kwargs) -> list[Error]:
    """Production runs several workers: they must share one cache and hand tasks to a broker."""
    errors = []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in PER_PROCESS_CACHES:
        errors.append(
            Error(
                f"The default cache is per process ({backend.rsplit('.', 1)[-1]}): with several "
                "workers, rate limits count per worker, and privacy toggles and cache invalidations "
                "reach only the worker that made them.",
                hint="Set REDIS_URL to a Redis server shared by every web and Celery worker.",
                id="shop.E001",
            )
        )
    if settings.CELERY_BROKER_URL.startswith("memory://") or settings.CELERY_TASK_ALWAYS_EAGER:
        errors.append(
            Error(
                "Celery tasks run inside web requests (no broker): emails and other background work "
                "slow pages down, and nothing runs on a schedule.",
                hint="Set REDIS_URL (the broker) and run a worker beside the web server (make worker).",
                id="shop.E002",
            )
        )
    return errors
