"""What a verified webhook delivery holds, stored once per provider event, handed to a task.

A WhatsApp delivery may carry several messages and statuses (``entry[].changes[].value``,
for one or more numbers): each becomes its own event, keyed by its wamid (a message) or
``wamid:status`` (a status callback, one per state). A Telegram delivery is one update, keyed
by the store and ``update_id`` (ids are per bot). The rows are inserted with ``ON CONFLICT DO
NOTHING``: a redelivery, even one arriving at the same moment on another connection, inserts
nothing and enqueues nothing; only the rows this call inserted are processed (on commit).

Which store a WhatsApp number belongs to is read from the cache (``NUMBER_CACHE_SECONDS``, the
absence of an active connection too) before the database: every delivery names its number,
and the answer must be quick. Saving or deleting a connection drops its numbers' entries when
that commits (``connect()``), so a change counts from the next delivery on; the lifetime bounds
what a lost invalidation (Redis down, a concurrent read caching the old row) could keep.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from chat.channels.models import PROVIDER_ID_MAX, TelegramConnection, WebhookEvent, WhatsAppConnection
from shop import broker
from shop.broker import BROKER_ERRORS, publish

log = logging.getLogger(__name__)

Provider = WebhookEvent.Provider

NUMBER_CACHE_SECONDS = 60
# The flag saying a hand-over task was sent lapses after this long, should the task be lost
# (the next delivery sends another). No countdown on the task: Celery holds a task with an ETA
# in the worker's memory, and a busy worker may start it seconds late (bench/README.md).
HAND_OVER_FLAG_MS = 10_000
NUMBER_ID_MAX = WhatsAppConnection._meta.get_field("phone_number_id").max_length


@dataclass(frozen=True)
class IncomingEvent:
    event_id: str
    kind: str
    store_id: int | None
    payload: dict


def whatsapp_events(data: dict) -> list[IncomingEvent]:
    """The messages and statuses of a verified WhatsApp delivery, for the numbers connected
    here (others are logged and left). Anything not shaped as documented is skipped."""
    changes = []
    for entry in _list(data.get("entry")):
        for change in _list(entry.get("changes") if isinstance(entry, dict) else None):
            if isinstance(change, dict) and change.get("field") == "messages" and isinstance(change.get("value"), dict):
                changes.append(change["value"])
    numbers = {str((value.get("metadata") or {}).get("phone_number_id") or "") for value in changes}
    stores = whatsapp_stores(numbers)
    events = []
    for value in changes:
        metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
        number = str(metadata.get("phone_number_id") or "")
        store_id = stores.get(number)
        if store_id is None:
            log.warning("WhatsApp event for phone number ID %r, which no store has connected", number)
            continue
        contacts = {str(c.get("wa_id")): c for c in _list(value.get("contacts")) if isinstance(c, dict)}
        for message in _list(value.get("messages")):
            if isinstance(message, dict) and _id_ok(message.get("id")):
                contact = contacts.get(str(message.get("from"))) or {}
                payload = {"metadata": metadata, "contact": contact, "message": message}
                events.append(IncomingEvent(str(message["id"]), "message", store_id, payload))
        for status in _list(value.get("statuses")):
            if isinstance(status, dict) and _id_ok(status.get("id")) and isinstance(status.get("status"), str):
                event_id = f"{status['id']}:{status['status']}"[:PROVIDER_ID_MAX]
                events.append(IncomingEvent(event_id, "status", store_id, {"metadata": metadata, "status": status}))
    return events


def whatsapp_stores(numbers: set[str]) -> dict[str, int]:
    """The stores of these WhatsApp phone number IDs, for those actively connected: from the
    cache, then one query for the others (whose answers, none included, are cached)."""
    numbers = {number for number in numbers if 0 < len(number) <= NUMBER_ID_MAX}
    if not numbers:
        return {}
    cacheable = {_number_key(number): number for number in numbers if number.isdigit()}
    cached = cache.get_many(list(cacheable)) if cacheable else {}
    stores = {cacheable[key]: store_id for key, store_id in cached.items() if store_id}  # 0: not connected
    missing = numbers - {cacheable[key] for key in cached}
    if missing:
        found = dict(
            WhatsAppConnection.objects.filter(phone_number_id__in=missing, is_active=True).values_list(
                "phone_number_id", "store_id"
            )
        )
        stores.update(found)
        to_cache = {key: found.get(number, 0) for key, number in cacheable.items() if number in missing}
        if to_cache:
            cache.set_many(to_cache, NUMBER_CACHE_SECONDS)
    return stores


def _number_key(number: str) -> str:
    return f"chat:wa-number:{number}"


def connect() -> None:
    """Drop a WhatsApp number's cached store when its connection is saved or deleted."""
    pre_save.connect(_remember_number, sender=WhatsAppConnection, dispatch_uid="chat.channels.intake.remember")
    post_save.connect(_forget_numbers, sender=WhatsAppConnection, dispatch_uid="chat.channels.intake.forget_saved")
    post_delete.connect(_forget_numbers, sender=WhatsAppConnection, dispatch_uid="chat.channels.intake.forget_deleted")


def _remember_number(sender, instance: WhatsAppConnection, **kwargs) -> None:
    # The number it had (an edit may change it: the old number must stop reaching the store).
    instance._numbers_before_save = set(
        WhatsAppConnection.objects.filter(pk=instance.pk).values_list("phone_number_id", flat=True)
        if instance.pk
        else []
    )


def _forget_numbers(sender, instance: WhatsAppConnection, **kwargs) -> None:
    keys = [
        _number_key(number) for number in {instance.phone_number_id, *getattr(instance, "_numbers_before_save", ())}
    ]
    cache.delete_many(keys)
    # Again once committed: a delivery read between this and the commit saw the old row (and
    # may have cached it).
    transaction.on_commit(functools.partial(cache.delete_many, keys))


def telegram_event(data: dict, bot: TelegramConnection) -> IncomingEvent | None:
    update_id = data.get("update_id")
    if isinstance(update_id, bool) or not isinstance(update_id, int):
        return None
    kind = next((key for key in ("message", "callback_query") if isinstance(data.get(key), dict)), "other")
    return IncomingEvent(f"{bot.store_id}:{update_id}", kind, bot.store_id, data)


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _id_ok(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= PROVIDER_ID_MAX - 20


def store_events(provider: str, events: list[IncomingEvent]) -> list[int]:
    """Insert the events not stored yet (one statement); returns the new rows' ids, whose
    processing is enqueued once they are committed: at once in autocommit (the webhooks),
    when the caller's transaction commits otherwise."""
    if not events:
        return []
    table = connection.ops.quote_name(WebhookEvent._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, '')"] * len(events))
    params = []
    now = timezone.now()
    for event in events:
        params += [provider, event.event_id, event.kind, event.store_id, json.dumps(event.payload), now]
    sql = (
        f"INSERT INTO {table} (provider, event_id, kind, store_id, payload, received_at, error) VALUES {rows} "
        "ON CONFLICT (provider, event_id) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    if ids:
        transaction.on_commit(functools.partial(enqueue, ids))
    return ids


def enqueue(event_ids: list[int]) -> None:
    """Hand the events to the worker. With a Redis broker, their ids go on a list beside the
    queue, and one task hands the list's ids over (``hand_over_queued``) for every delivery
    that arrives until a worker starts it: while the workers are busy (a burst) a delivery
    costs one round trip to Redis instead of a Celery message of its own; an idle worker
    starts it at once, and the next delivery sends another. Otherwise (no broker: the tasks run here) each is
    handed over at once. With the broker down the rows wait, unprocessed, for the sweeper
    (``chat.tasks.republish_channel_work_task``)."""
    if not event_ids:
        return
    client = _broker_redis()
    if client is None:
        publish_each(event_ids)
        return
    if not broker.accepting_tasks():
        return
    try:
        # One round trip: the ids, then the flag saying a hand-over task is on its way. Whoever
        # sets the flag sends that task; it clears the flag before it reads the list, so an id
        # pushed while the flag stood is read by it, and one pushed after sets a new flag.
        pipe = client.pipeline(transaction=False)
        pipe.rpush(_queued_key(), *event_ids)
        pipe.set(_flag_key(), b"1", nx=True, px=HAND_OVER_FLAG_MS)
        _, woke = pipe.execute()
    except BROKER_ERRORS as exc:
        broker.broker_failed(exc)
        return
    if woke:
        from chat.tasks import hand_over_webhook_events_task

        publish(hand_over_webhook_events_task)


def hand_over_queued() -> int:
    """The worker's side: each id on the list gets its processing task (the list is emptied as
    it is read; an id read and not handed over, a broker gone meanwhile, leaves its row
    unprocessed for the sweeper). Returns how many were handed over."""
    client = _broker_redis()
    if client is None:
        return 0
    client.delete(_flag_key())
    handed = 0
    while ids := client.lpop(_queued_key(), 500):
        unique = list(dict.fromkeys(int(event_id) for event_id in ids))
        if not publish_each(unique):
            break
        handed += len(unique)
    return handed


def publish_each(event_ids: list[int]) -> bool:
    """Each event's processing task, handed over now; False at the first refusal (the broker
    is down: the rest wait for the sweeper)."""
    from chat.tasks import process_webhook_event_task

    return all(publish(process_webhook_event_task, event_id) for event_id in event_ids)


def _queued_key() -> str:
    return f"{settings.CHANNELS_INTAKE_REDIS_PREFIX}:queued"


def _flag_key() -> str:
    return f"{settings.CHANNELS_INTAKE_REDIS_PREFIX}:hand-over-sent"


_redis_client: tuple[str, object] | None = None
_redis_lock = threading.Lock()


def _broker_redis():
    """This process's client of the broker's Redis, or None when tasks run here or the broker
    is not Redis."""
    global _redis_client
    from shop.celery import app

    url = app.conf.broker_url or ""
    if app.conf.task_always_eager or not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    with _redis_lock:
        if _redis_client is None or _redis_client[0] != url:
            _redis_client = (url, redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3))
        return _redis_client[1]
