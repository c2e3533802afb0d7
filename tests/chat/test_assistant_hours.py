"""Open or closed: weekly hours in the store's time zone, openings past midnight, holidays and
the holiday switch."""

from datetime import UTC, date, datetime, time

import pytest

from chat.assistant.hours import Opening, Schedule, is_open

# 2026-12-04 is a Friday. Jakarta is UTC+7, Makassar UTC+8, Jayapura UTC+9.
FRIDAY, SATURDAY, SUNDAY = 4, 5, 6


def utc(day, hour, minute=0):
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


NIGHT_SHIFT = Schedule(
    time_zone="Asia/Jakarta",
    # Friday 20:00 until Saturday 02:00; Saturday 09:00-17:00.
    openings=(Opening(FRIDAY, time(20), time(2)), Opening(SATURDAY, time(9), time(17))),
)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(4, 12, 59), False),  # Friday 19:59 in Jakarta
        (utc(4, 13, 0), True),  # Friday 20:00
        (utc(4, 16, 59), True),  # Friday 23:59
        (utc(4, 17, 0), True),  # Saturday 00:00: still Friday's opening
        (utc(4, 18, 59), True),  # Saturday 01:59
        (utc(4, 19, 0), False),  # Saturday 02:00: closed
        (utc(5, 1, 59), False),  # Saturday 08:59
        (utc(5, 2, 0), True),  # Saturday 09:00
        (utc(5, 9, 59), True),  # Saturday 16:59
        (utc(5, 10, 0), False),  # Saturday 17:00
        (utc(5, 17, 30), False),  # Sunday 00:30: Saturday's opening does not cross midnight
    ],
)
def test_an_opening_runs_past_midnight_into_the_next_day(at, expected):
    assert is_open(NIGHT_SHIFT, at) is expected


@pytest.mark.parametrize(
    ("zone", "at", "expected"),
    [
        # Saturday 09:00-17:00 local; 01:30 UTC is 08:30 in Jakarta, 09:30 in Makassar.
        ("Asia/Jakarta", utc(5, 1, 30), False),
        ("Asia/Makassar", utc(5, 1, 30), True),
        ("Asia/Jayapura", utc(5, 1, 30), True),
        # 09:30 UTC: 16:30 in Jakarta, 17:30 in Makassar.
        ("Asia/Jakarta", utc(5, 9, 30), True),
        ("Asia/Makassar", utc(5, 9, 30), False),
        # A zone that moves its clocks: Saturday 09:00 in London in December is 09:00 UTC.
        ("Europe/London", utc(5, 8, 59), False),
        ("Europe/London", utc(5, 9, 0), True),
    ],
)
def test_hours_are_read_in_the_stores_time_zone(zone, at, expected):
    schedule = Schedule(time_zone=zone, openings=(Opening(SATURDAY, time(9), time(17)),))
    assert is_open(schedule, at) is expected


def test_a_holiday_closes_the_openings_that_start_that_day():
    # given: Friday is a holiday
    schedule = Schedule(
        time_zone="Asia/Jakarta",
        openings=NIGHT_SHIFT.openings,
        holidays=frozenset({date(2026, 12, 4)}),
    )

    # then: Friday night's opening does not open, Saturday's does
    assert not is_open(schedule, utc(4, 14))  # Friday 21:00
    assert not is_open(schedule, utc(4, 18))  # Saturday 01:00, Friday's opening
    assert is_open(schedule, utc(5, 3))  # Saturday 10:00


def test_the_holiday_switch_closes_the_store_and_no_hours_means_always_open():
    always = Schedule()
    assert is_open(always, utc(5, 20))
    assert not is_open(Schedule(on_holiday=True), utc(5, 20))
    assert not is_open(Schedule(openings=NIGHT_SHIFT.openings, on_holiday=True), utc(5, 3))


def test_an_opening_that_closes_when_it_opens_lasts_the_whole_day():
    schedule = Schedule(openings=(Opening(SUNDAY, time(0), time(0)),))
    assert is_open(schedule, utc(5, 17, 0))  # Sunday 00:00 in Jakarta
    assert is_open(schedule, utc(6, 16, 59))  # Sunday 23:59
    assert not is_open(schedule, utc(6, 17, 0))  # Monday 00:00
