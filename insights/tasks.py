"""Insights' periodic tasks: thin, idempotent wrappers."""

from celery import shared_task

from insights import partitions
from shop import events


@shared_task(acks_late=True, ignore_result=True)
def drain_events_task() -> int:
    """Move the events waiting in Redis to the event table (one drainer at a time)."""
    return events.drain()


@shared_task(acks_late=True, ignore_result=True)
def maintain_partitions_task() -> dict:
    """Make the coming months' partitions; drop those past the retention (PostgreSQL)."""
    made = partitions.ensure_ahead()
    dropped = partitions.drop_expired()
    return {"made": [str(month) for month in made], "dropped": [str(month) for month in dropped]}
