"""Insights' periodic tasks: thin, idempotent wrappers."""

from celery import shared_task

from insights import attribution, partitions, rollups
from shop import events


@shared_task(acks_late=True, ignore_result=True)
def drain_events_task() -> int:
    """Move the events waiting in Redis to the event table (one drainer at a time)."""
    return events.drain()


@shared_task(acks_late=True, ignore_result=True)
def maintain_partitions_task() -> dict:
    """Make the coming months' partitions; drop those past the retention (PostgreSQL); forget
    touches past the attribution window."""
    made = partitions.ensure_ahead()
    dropped = partitions.drop_expired()
    pruned = attribution.prune_touches()
    return {"made": [str(month) for month in made], "dropped": [str(month) for month in dropped], "touches": pruned}


@shared_task(acks_late=True, ignore_result=True)
def roll_up_day_task(day: str) -> None:
    """Recompute one day's figures (``day`` as YYYY-MM-DD); running it twice changes nothing."""
    from datetime import date

    rollups.roll_up_day(day=date.fromisoformat(day))


@shared_task(acks_late=True, ignore_result=True)
def roll_up_recent_days_task() -> None:
    """Recompute yesterday's and today's figures (every few minutes: today's are live)."""
    rollups.roll_up_recent_days()
