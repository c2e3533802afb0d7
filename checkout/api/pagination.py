"""Keyset pages of orders, newest first: ``{"results": [...], "next": URL or null}``.

The cursor is the (placed_at, id) of the last order of the page, so a page costs the same
however deep it is (no OFFSET) and an order placed meanwhile never shifts the next page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from shop.cursors import BadCursor, aware_datetime, decode_cursor, encode_cursor, row_id

PAGE_SIZE = 20
PAGE_LIMIT_MAX = 50


@dataclass
class Page:
    items: list
    next_url: str | None


def decode_order_cursor(cursor: str) -> tuple[datetime, int]:
    """``(placed_at, id)`` from a cursor ``order_page`` made; a 400 for anything else."""
    try:
        return decode_cursor(cursor, aware_datetime, row_id)
    except BadCursor as exc:
        raise exceptions.ValidationError(
            {"cursor": [_("This cursor is not valid: follow the `next` link of the previous page.")]}
        ) from exc


def order_page(queryset: QuerySet, request: Request, *, cursor: str | None, limit: int | None) -> Page:
    """One page of ``queryset`` (orders), newest first, starting after ``cursor``."""
    limit = limit or PAGE_SIZE
    queryset = queryset.order_by("-placed_at", "-id")
    if cursor:
        placed_at, pk = decode_order_cursor(cursor)
        queryset = queryset.filter(Q(placed_at__lt=placed_at) | Q(placed_at=placed_at, id__lt=pk))
    items = list(queryset[: limit + 1])
    next_url = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_url = replace_query_param(
            request.build_absolute_uri(), "cursor", encode_cursor(last.placed_at.isoformat(), last.pk)
        )
    return Page(items=items, next_url=next_url)
