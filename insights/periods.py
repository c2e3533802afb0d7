"""The periods insights are read over: today, 7, 30 or 90 days ending today, or custom days,
each against the period of the same length just before it. Days are the store's
(``INSIGHTS_TIME_ZONE``), as the daily figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from insights.rollups import today

RANGES = {"today": 1, "7d": 7, "30d": 30, "90d": 90}
RANGE_LABELS = {
    "today": _("Today"),
    "7d": _("7 days"),
    "30d": _("30 days"),
    "90d": _("90 days"),
    "custom": _("Custom"),
}
DEFAULT_RANGE = "7d"
MAX_DAYS = 366


class BadPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    key: str
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> Period:
        return Period(key=self.key, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]


def period_from(*, key: str | None, start: str | None = None, end: str | None = None) -> Period:
    """The period a page or the API asks for: ``today``, ``7d``, ``30d``, ``90d`` (ending
    today, in the store's time zone) or ``custom`` from ``start`` to ``end`` (YYYY-MM-DD,
    at most ``MAX_DAYS``, not after today). ``BadPeriod`` says what is wrong."""
    current = today()
    key = key or DEFAULT_RANGE
    if key in RANGES:
        return Period(key=key, start=current - timedelta(days=RANGES[key] - 1), end=current)
    if key != "custom":
        raise BadPeriod(_("Choose today, 7, 30 or 90 days, or a custom period."))
    try:
        first, last = date.fromisoformat(start or ""), date.fromisoformat(end or "")
    except ValueError:
        raise BadPeriod(_("Give a custom period's first and last days as YYYY-MM-DD.")) from None
    if first > last:
        raise BadPeriod(_("The period's first day is after its last."))
    if last > current:
        raise BadPeriod(_("The period cannot end after today."))
    if (last - first).days + 1 > MAX_DAYS:
        raise BadPeriod(_("A period is at most %(days)d days.") % {"days": MAX_DAYS})
    return Period(key="custom", start=first, end=last)
