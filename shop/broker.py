"""Handing tasks to the broker without letting its outage reach a request.

A request that enqueues work after its commit (an order's emails, an account email) must not
fail, nor wait, because Redis is down: the work it enqueues is either recorded first (a
``Delivery`` row the sweeper hands over later) or has a fallback. ``publish`` tries the
broker; when it is unreachable it returns ``False``, logs that once for the whole outage
(per process), and for the next ``BROKER_RETRY_SECONDS`` does not try again at all, so a
broker that times out costs one request its timeout, not every request.

Work recorded on a row (a post's fan-out, a picture's renditions) is not lost either: the row
says it is not done yet, and each app's sweeper task hands it over again once the broker
answers (``PendingWork``, ``republish_pending``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import redis
from celery import Task
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)

# What publishing raises when the broker cannot be reached (kombu wraps most of them).
BROKER_ERRORS = (OperationalError, redis.ConnectionError, redis.TimeoutError, ConnectionError, TimeoutError, OSError)


@dataclass
class Outage:
    """This process's view of the broker: down since when, and when to try it again."""

    since: float | None = None
    retry_at: float = 0.0


_outage = Outage()
_lock = threading.Lock()


def publish(task: Task, *args, countdown: float | None = None, **kwargs) -> bool:
    """Enqueue ``task(*args, **kwargs)``. ``False`` when the broker is unreachable (or was,
    a moment ago): the caller keeps the work for later or does it another way.

    Without a broker (tasks run eagerly) the task runs here and its own errors propagate.
    """
    if not accepting_tasks():
        return False
    try:
        task.apply_async(args, kwargs, countdown=countdown)
    except BROKER_ERRORS as exc:
        if task.app.conf.task_always_eager:
            raise  # the task ran here and failed: not the broker's doing
        _broker_failed(exc)
        return False
    if _outage.since is not None:
        _broker_answered()
    return True


# --- Work recorded on rows, handed over again ------------------------------------------------


@dataclass(frozen=True)
class PendingWork:
    """Work a row records as not done yet (a marker still unset: a post not fanned out, a
    picture without renditions) and ``task(row.pk)`` does, idempotently, setting the marker.
    ``due(since=..., until=...)`` is the rows written in that window whose work is not done.

    The row is written first and the task handed over after commit (``publish``); if that was
    lost (the broker down, a worker died with the task), the app's sweeper task, on the beat
    schedule, hands it over again with ``republish_pending``: a row first, a delivery second.
    """

    task: Task
    due: Callable[..., QuerySet]


def republish_pending(*works: PendingWork, limit: int = 500) -> int:
    """Hand over again the work of rows written between ``PENDING_WORK_WINDOW_HOURS`` and
    ``PENDING_WORK_AFTER_SECONDS`` ago and still not done (older work is given up: a task that
    keeps failing is not retried forever). Stops at the first refusal (the broker is down:
    the next sweep tries again). Returns how many tasks were handed over."""
    now = timezone.now()
    since = now - timedelta(hours=settings.PENDING_WORK_WINDOW_HOURS)
    until = now - timedelta(seconds=settings.PENDING_WORK_AFTER_SECONDS)
    handed = 0
    for work in works:
        for pk in work.due(since=since, until=until).order_by("pk").values_list("pk", flat=True)[:limit]:
            if not publish(work.task, pk):
                return handed
            handed += 1
    return handed


def accepting_tasks() -> bool:
    """Whether ``publish`` would try the broker now: no outage recorded, or time to try again."""
    return _outage.since is None or time.monotonic() >= _outage.retry_at


def broker_failed(exc: Exception) -> None:
    """Record that the broker failed (``exc``) outside ``publish``, as ``publish`` does: the
    next ``BROKER_RETRY_SECONDS`` of hand-overs do not try it."""
    _broker_failed(exc)


def _broker_failed(exc: Exception) -> None:
    now = time.monotonic()
    with _lock:
        first = _outage.since is None
        if first:
            _outage.since = now
        _outage.retry_at = now + settings.BROKER_RETRY_SECONDS
    if first:
        log.error(
            "The task broker is unreachable (%s): tasks are not handed over until it answers "
            "(tried again every %s s); pending emails wait for the sweeper.",
            exc,
            settings.BROKER_RETRY_SECONDS,
        )


def _broker_answered() -> None:
    with _lock:
        since, _outage.since = _outage.since, None
    if since is not None:
        log.warning("The task broker answers again, after %.0f s.", time.monotonic() - since)


def forget_outage() -> None:
    """Forget a recorded outage (tests start each from a broker presumed up)."""
    with _lock:
        _outage.since = None
        _outage.retry_at = 0.0
