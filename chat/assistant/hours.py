"""Open or closed at a moment, from a store's weekly hours in its own time zone.

An opening belongs to the day it starts: Friday 22:00–02:00 is open until 02:00 on Saturday,
and a holiday on Friday closes it (a holiday on Saturday does not). A store with no hours set
counts as always open (it has not said when it is closed); the holiday switch closes it.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from chat.assistant.models import DEFAULT_TIME_ZONE


@dataclass(frozen=True)
class Opening:
    weekday: int  # 0 = Monday
    opens: time
    closes: time

    @property
    def overnight(self) -> bool:
        return self.closes <= self.opens


@dataclass(frozen=True)
class Schedule:
    time_zone: str = DEFAULT_TIME_ZONE
    openings: tuple[Opening, ...] = ()
    holidays: frozenset[date] = frozenset()
    on_holiday: bool = False

    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.zone())


def is_open(schedule: Schedule, at: datetime) -> bool:
    """Whether the store is open at ``at`` (an aware datetime)."""
    if schedule.on_holiday:
        return False
    if not schedule.openings:
        return True
    local = schedule.local(at)
    today, now = local.date(), local.time()
    yesterday = today - timedelta(days=1)
    for opening in schedule.openings:
        if opening.weekday == today.weekday() and today not in schedule.holidays:
            if opening.opens == opening.closes:
                return True
            if opening.overnight:
                if now >= opening.opens:
                    return True
            elif opening.opens <= now < opening.closes:
                return True
        if (
            opening.weekday == yesterday.weekday()
            and yesterday not in schedule.holidays
            and opening.overnight
            and opening.opens != opening.closes
            and now < opening.closes
        ):
            return True
    return False


def by_day(openings: Iterable[Opening]) -> list[tuple[int, list[Opening]]]:
    """The openings grouped by weekday, Monday first (days without one left out)."""
    days: dict[int, list[Opening]] = {}
    for opening in sorted(openings, key=lambda o: (o.weekday, o.opens)):
        days.setdefault(opening.weekday, []).append(opening)
    return sorted(days.items())
