"""Where a new row goes in a list the seller orders (variants, pictures)."""

from __future__ import annotations

from django.db.models import Max, QuerySet

# The largest value of a ``position`` column (PositiveIntegerField: PostgreSQL's integer).
POSITION_MAX = 2**31 - 1


def next_position(*, queryset: QuerySet) -> int:
    """The position after the last of ``queryset``'s rows. A client may set any position up to the
    column's largest, so the next one stops there (ties sort by id) instead of overflowing it."""
    top = queryset.aggregate(top=Max("position"))["top"] or 0
    return min(top + 1, POSITION_MAX)
