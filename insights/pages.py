"""The seller's insights pages (``/insights/``) and the staff's overview (``/insights/staff/``),
with their tables as CSV. Thin: the figures come from ``insights.selectors``, the charts'
geometry from ``insights.charts``, who may read what from ``insights.access``."""

from __future__ import annotations

from babel.numbers import format_decimal, format_percent
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from insights import access, charts, tables
from insights.periods import RANGE_LABELS, BadPeriod, Period, period_from
from insights.selectors import staff as staff_selectors
from insights.selectors import store as store_selectors
from shop.money import babel_locale, format_money

TILES = (
    ("revenue", gettext_lazy("Sales"), True),
    ("net", gettext_lazy("Net of refunds"), True),
    ("orders_paid", gettext_lazy("Orders paid"), False),
    ("impressions", gettext_lazy("Post impressions"), False),
    ("tag_taps", gettext_lazy("Tag taps"), False),
    ("product_views", gettext_lazy("Product views"), False),
    ("adds_to_cart", gettext_lazy("Adds to cart"), False),
    ("follows", gettext_lazy("New followers"), False),
)
STEP_LABELS = {
    "impressions": gettext_lazy("Impressions"),
    "tag_taps": gettext_lazy("Tag taps"),
    "views": gettext_lazy("Product views"),
    "product_views": gettext_lazy("Product views"),
    "adds_to_cart": gettext_lazy("Adds to cart"),
    "checkouts_started": gettext_lazy("Checkouts"),
    "orders_paid": gettext_lazy("Orders"),
}


def count(value: int) -> str:
    return format_decimal(value, locale=babel_locale())


def percent(value: float | None) -> str:
    """A share as a percent with at most one decimal (``20.4%``, ``20,4%`` in Indonesian)."""
    return "–" if value is None else format_percent(value, format="#,##0.#%", locale=babel_locale())


def _change(figure: store_selectors.Figure) -> dict:
    change = figure.change
    return {
        "text": "" if change is None else ("+" if change > 0 else "") + percent(change),
        "direction": "flat" if not change else ("up" if change > 0 else "down"),
    }


def _tiles(figures: dict[str, store_selectors.Figure], tiles) -> list[dict]:
    """The figures ``tiles`` names, as read: now, before, and the change."""
    shown = []
    for key, label, money in tiles:
        show = format_money if money else count
        figure = figures[key]
        shown.append(
            {"label": label, "value": show(figure.now), "before": show(figure.before), "change": _change(figure)}
        )
    return shown


def _period(request) -> Period:
    return period_from(key=request.GET.get("range"), start=request.GET.get("start"), end=request.GET.get("end"))


def _query(request, **changes) -> str:
    """This page's query string with ``changes`` (None removes a parameter)."""
    params = {key: value for key, value in request.GET.items() if key in ("range", "start", "end", "store")}
    params.update(changes)
    return urlencode({key: value for key, value in params.items() if value})


def _ranges(request, period: Period) -> list[dict]:
    return [
        {
            "key": key,
            "label": label,
            "active": key == period.key,
            "query": _query(request, range=key, start=None, end=None),
        }
        for key, label in RANGE_LABELS.items()
        if key != "custom"
    ]


def _day_label(day) -> str:
    from django.utils.formats import date_format

    return date_format(day, "SHORT_DATE_FORMAT")


def _line(days, before, attribute: str, *, money: bool) -> charts.LineChart:
    return charts.line_chart(
        [getattr(day, attribute) for day in days],
        [getattr(day, attribute) for day in before] if before else None,
        label=format_money if money else count,
        first_label=_day_label(days[0].day),
        last_label=_day_label(days[-1].day),
    )


def _post_funnel(funnel: store_selectors.PostFunnel) -> list[charts.Step]:
    return charts.funnel([(STEP_LABELS[key], value, count(value)) for key, value in funnel.steps])


def _bad_period(request, exc: BadPeriod, template: str, context: dict):
    context.update({"error": str(exc), "ranges": _ranges(request, period_from(key=None))})
    return render(request, template, context, status=400)


@login_required
@require_GET
def dashboard(request):
    """The store's figures over a period against the period before: tiles, lines of the days,
    the store's funnel, posts' funnels, top products, what earned the sales, where shoppers
    came from, chats and email. Staff without ``?store=`` go to their overview."""
    store = access.store_for(request.user, request.GET.get("store"))
    if store is None:
        return redirect("insights:staff")
    try:
        period = _period(request)
    except BadPeriod as exc:
        return _bad_period(request, exc, "insights/dashboard.html", {"store": store})
    data = store_selectors.store_dashboard(store=store, period=period)
    before = data.days_before if period.days > 1 else []
    figures = data.figures
    # Product views as in the posts' funnels: product pages and product sheets opened.
    steps = {key: figures[key].now for key in ("impressions", "tag_taps", "adds_to_cart", "checkouts_started")}
    steps["views"] = figures["product_views"].now + figures["sheet_opens"].now
    steps["orders_paid"] = figures["orders_paid"].now
    order = ("impressions", "tag_taps", "views", "adds_to_cart", "checkouts_started", "orders_paid")
    store_funnel = charts.funnel([(STEP_LABELS[key], steps[key], count(steps[key])) for key in order])
    context = {
        "store": store,
        "data": data,
        "period": period,
        "ranges": _ranges(request, period),
        "staff": access.is_staff(request.user),
        "store_choices": staff_selectors.store_choices() if access.is_staff(request.user) else [],
        "tiles": _tiles(figures, TILES),
        "revenue_chart": _line(data.days, before, "revenue", money=True),
        "orders_chart": _line(data.days, before, "orders_paid", money=False),
        "store_funnel": store_funnel,
        "posts": [(funnel, _post_funnel(funnel)) for funnel in data.posts],
        "product_bars": charts.bars([(p.title, p.revenue, format_money(p.revenue)) for p in data.products]),
        "channel_bars": charts.bars([(c.label, c.revenue, format_money(c.revenue)) for c in data.channels]),
        "source_bars": charts.bars([(s.label, s.total, count(s.total)) for s in data.sources]),
        "export_query": _query(request),
        "tables": tables.TABLES,
        "chat_answered": percent(data.chats.answered_within_12h),
    }
    return render(request, "insights/dashboard.html", context)


@login_required
@require_GET
def export(request, table: str):
    """One of the page's tables as CSV (``insights.tables.TABLES``), same period and store."""
    if table not in tables.TABLES:
        return render(request, "insights/bad_request.html", {"error": _("No such table.")}, status=404)
    store = access.store_for(request.user, request.GET.get("store"))
    if store is None:
        raise PermissionDenied(_("Choose a store first."))
    try:
        period = _period(request)
    except BadPeriod as exc:
        return render(request, "insights/bad_request.html", {"error": str(exc)}, status=400)
    header, body = tables.rows(store_selectors.store_dashboard(store=store, period=period), table)
    filename = f"insights-{store.slug}-{table}-{period.start}-{period.end}.csv"
    return tables.csv_response(table=table, header=header, body=body, filename=filename)


def _staff_only(request) -> None:
    if not access.is_staff(request.user):
        raise PermissionDenied(_("Only the site's staff see every store's figures."))


@login_required
@require_GET
def staff(request):
    """Every store's sales over a period against the period before, by day, and the top stores."""
    _staff_only(request)
    try:
        period = _period(request)
    except BadPeriod as exc:
        return _bad_period(request, exc, "insights/staff.html", {})
    totals = store_selectors.overview(store_id=None, period=period)
    figures, days = totals.figures, totals.days
    before = totals.days_before if period.days > 1 else []
    stores = staff_selectors.top_stores(period=period)
    context = {
        "period": period,
        "ranges": _ranges(request, period),
        "tiles": _tiles(figures, TILES[:3]),
        "revenue_chart": _line(days, before, "revenue", money=True),
        "stores": stores,
        "store_bars": charts.bars([(row.name, row.revenue, format_money(row.revenue)) for row in stores]),
        "store_choices": staff_selectors.store_choices(),
        "export_query": _query(request),
        "dashboard_url": reverse("insights:dashboard"),
    }
    return render(request, "insights/staff.html", context)


@login_required
@require_GET
def staff_export(request):
    """The staff's top stores as CSV."""
    _staff_only(request)
    try:
        period = _period(request)
    except BadPeriod as exc:
        return render(request, "insights/bad_request.html", {"error": str(exc)}, status=400)
    header, body = tables.store_rows(staff_selectors.top_stores(period=period))
    filename = f"insights-stores-{period.start}-{period.end}.csv"
    return tables.csv_response(table="stores", header=header, body=body, filename=filename)
