"""The insights tables as rows: the pages show them under their charts, the CSV files are
made from them (``csv_response``), so a figure reads the same on the page and in the file.

Amounts in the CSV are in the currency's major unit (rupiah), as numbers a spreadsheet sums;
text cells (a post's caption, a product's title, a store's name) that a spreadsheet would
take for a formula (``= + - @``, a tab or a carriage return first) get a leading quote.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.translation import gettext as _

from insights.selectors.staff import StoreRow
from insights.selectors.store import StoreDashboard
from shop.money import to_major

TABLES = ("days", "posts", "shopper_posts", "products", "channels", "sources", "emails")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> object:
    """``value`` for a CSV cell: numbers as they are, text never read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _post_label(funnel) -> str:
    if funnel.post is None:
        return _("Deleted post #%(id)d") % {"id": funnel.post_id}
    return " ".join(funnel.post.caption.split())[:80] or f"#{funnel.post_id}"


def rows(dashboard: StoreDashboard, table: str) -> tuple[list[str], list[list]]:
    """The header and rows of one of ``TABLES`` (amounts in minor units, as stored)."""
    if table == "days":
        return [_("Day"), _("Revenue"), _("Refunds"), _("Net"), _("Orders"), _("Product views"), _("Impressions")], [
            [d.day.isoformat(), d.revenue, d.refunds, d.net, d.orders_paid, d.product_views, d.impressions]
            for d in dashboard.days
        ]
    if table in ("posts", "shopper_posts"):
        funnels = dashboard.posts if table == "posts" else dashboard.shopper_posts
        header = [
            _("Post"),
            _("By"),
            _("Link"),
            _("Impressions"),
            _("Tag taps"),
            _("Product views"),
            _("Adds to cart"),
            _("Orders"),
            _("Revenue"),
            _("Refunds"),
        ]
        return header, [
            [
                _post_label(f),
                f.post.profile.name if f.post is not None else "",
                f.post.get_absolute_url() if f.post is not None else "",
                f.impressions,
                f.tag_taps,
                f.views,
                f.adds_to_cart,
                f.orders_paid,
                f.revenue,
                f.refunds,
            ]
            for f in funnels
        ]
    if table == "products":
        header = [_("Product"), _("Product views"), _("Sheet opens"), _("Adds to cart"), _("Orders"), _("Revenue")]
        return header, [
            [p.title, p.product_views, p.sheet_opens, p.adds_to_cart, p.orders_paid, p.revenue]
            for p in dashboard.products
        ]
    if table == "channels":
        header = [_("Credited to"), _("Orders"), _("Revenue"), _("Refunds"), _("Orders assisted")]
        return header, [[str(c.label), c.orders_paid, c.revenue, c.refunds, c.assisted] for c in dashboard.channels]
    if table == "sources":
        header = [_("Source"), _("Tag taps"), _("Sheet opens"), _("Product views")]
        return header, [[str(s.label), s.tag_taps, s.sheet_opens, s.product_views] for s in dashboard.sources]
    if table == "emails":
        header = [
            _("Email"),
            _("Sent by"),
            _("Sent"),
            _("Delivered"),
            _("Clicked"),
            _("Orders"),
            _("Revenue"),
            _("Refunds"),
        ]
        return header, [
            [e.name, str(e.kind.label), e.sent, e.delivered, e.clicked, e.orders_paid, e.revenue, e.refunds]
            for e in dashboard.emails
        ]
    raise ValueError(table)


AMOUNT_COLUMNS = {"days": {1, 2, 3}, "posts": {8, 9}, "shopper_posts": {8, 9}, "products": {5}, "channels": {2, 3}}
AMOUNT_COLUMNS.update({"sources": set(), "emails": {6, 7}, "stores": {2, 3, 4}})


def store_rows(stores: Iterable[StoreRow]) -> tuple[list[str], list[list]]:
    header = [_("Store"), _("Orders"), _("Revenue"), _("Refunds"), _("Net"), _("Product views")]
    return header, [
        [
            row.name,
            row.orders_paid,
            row.revenue,
            row.refunds,
            row.net,
            row.product_views,
        ]
        for row in stores
    ]


def _amount(minor: int) -> str:
    """Minor units as the major unit a spreadsheet reads (``300000``, ``12.5``)."""
    value = to_major(minor)
    return str(value.to_integral_value()) if value == value.to_integral_value() else str(value.normalize())


def csv_response(*, table: str, header: list[str], body: list[list], filename: str) -> HttpResponse:
    """A CSV download of a table (amount columns in major units, text cells made safe)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    amounts = AMOUNT_COLUMNS.get(table, set())
    writer = csv.writer(response)
    writer.writerow([safe_cell(str(name)) for name in header])
    for row in body:
        writer.writerow([_amount(value) if index in amounts else safe_cell(value) for index, value in enumerate(row)])
    return response
