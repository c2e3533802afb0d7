"""Reads for the seller's flow pages and the API: each flow in one sentence, the store's flows
with their figures (a fixed number of queries, whatever the number of flows, steps and
enrolments), why enrolments left a flow before each step, and the products with their usage
tips. Scoped to the store given."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from catalog.models import Product, Store
from marketing.flow_models import Enrolment, Flow, FlowOrder, FlowSend, FlowStep
from marketing.flows import engine

ORDER = {kind: index for index, kind in enumerate(Flow.Kind.values)}
TIPS_PAGE_SIZE = 25

# Why an enrolment left its flow (``Enrolment.exit_reason``), for the seller.
EXIT_REASONS = {
    engine.FLOW_OFF: gettext_lazy("the flow was switched off"),
    engine.NOT_MAILABLE: gettext_lazy("no longer agrees to your emails"),
    engine.ORDERED: gettext_lazy("ordered"),
    engine.CART_CHANGED: gettext_lazy("changed or emptied the cart"),
    engine.CARTED: gettext_lazy("put it in the cart"),
    engine.SOLD_OUT: gettext_lazy("sold out again"),
    engine.GONE: gettext_lazy("the product or order is gone"),
    engine.NO_STEPS: gettext_lazy("the flow had no email left"),
}


def exit_reason_label(reason: str) -> str:
    return str(EXIT_REASONS.get(reason, reason or _("other")))


def describe(flow: Flow) -> str:
    """What ``flow`` does, in one sentence."""
    if flow.kind == Flow.Kind.WELCOME:
        return _("Greets each person who joins your list (they confirmed your emails).")
    if flow.kind == Flow.Kind.POST_DELIVERY:
        return _("After an order is delivered: your usage tips for its products and what goes with them.")
    if flow.kind == Flow.Kind.WIN_BACK:
        return ngettext(
            "Writes to customers whose last order was %(days)s day ago.",
            "Writes to customers whose last order was %(days)s days ago.",
            flow.inactive_days,
        ) % {"days": flow.inactive_days}
    if flow.kind == Flow.Kind.BROWSE_ABANDONMENT:
        return _("Reminds a signed-in shopper of a product they looked at a day ago and did not put in the cart.")
    if flow.kind == Flow.Kind.BACK_IN_STOCK:
        return _("Tells who looked at a sold-out product that it is back in stock.")
    return _("Reminds a shopper of the cart they left, until they order or change it.")


@dataclass
class FlowFigures:
    enrolled: int = 0
    active: int = 0
    completed: int = 0
    exited: int = 0
    sent: int = 0
    clicked: int = 0
    orders: int = 0
    revenue: int = 0  # minor units


@dataclass
class FlowRow:
    flow: Flow
    description: str
    steps: list[FlowStep]
    figures: FlowFigures = field(default_factory=FlowFigures)


def _steps_prefetch() -> Prefetch:
    return Prefetch("steps", queryset=FlowStep.objects.order_by("position"))


def store_flow_rows(*, store: Store) -> list[FlowRow]:
    """The store's flows, in ``Flow.Kind`` order, each with its steps and figures: four
    queries. Reads only: a store whose flows are not set up yet has fewer than six (see
    ``marketing.flows.defaults``)."""
    flows = list(Flow.objects.filter(store=store).prefetch_related(_steps_prefetch()))
    flows.sort(key=lambda flow: ORDER.get(flow.kind, len(ORDER)))
    figures = flow_figures(store=store)
    return [
        FlowRow(
            flow=flow,
            description=describe(flow),
            steps=list(flow.steps.all()),
            figures=figures.get(flow.pk, FlowFigures()),
        )
        for flow in flows
    ]


def flow_figures(*, store: Store, flow: Flow | None = None) -> dict[int, FlowFigures]:
    """``{flow id: FlowFigures}`` for the store's flows (or one): three grouped queries."""
    scope = {"flow": flow} if flow is not None else {}
    figures: dict[int, FlowFigures] = {}
    for row in (
        Enrolment.objects.filter(store=store, **scope)
        .values("flow_id")
        .annotate(
            enrolled=Count("pk"),
            active=Count("pk", filter=Q(state=Enrolment.State.ACTIVE)),
            completed=Count("pk", filter=Q(state=Enrolment.State.COMPLETED)),
            exited=Count("pk", filter=Q(state=Enrolment.State.EXITED)),
        )
        .order_by()
    ):
        flow_id = row.pop("flow_id")
        figures[flow_id] = FlowFigures(**row)
    for row in (
        FlowSend.objects.filter(flow__store=store, **scope)
        .values("flow_id")
        .annotate(
            sent=Count("pk", filter=Q(state=FlowSend.State.SENT)),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        )
        .order_by()
    ):
        one = figures.setdefault(row["flow_id"], FlowFigures())
        one.sent, one.clicked = row["sent"], row["clicked"]
    order_scope = {"step__flow": flow} if flow is not None else {}
    for row in (
        FlowOrder.objects.filter(step__flow__store=store, **order_scope)
        .values("step__flow_id")
        .annotate(orders=Count("pk"), revenue=Sum("amount"))
        .order_by()
    ):
        one = figures.setdefault(row["step__flow_id"], FlowFigures())
        one.orders, one.revenue = row["orders"], row["revenue"] or 0
    return figures


def exits_by_step(*, flow: Flow) -> dict[int, list[tuple[str, int]]]:
    """``{step position: [(reason label, count), ...]}``: the enrolments that left the flow
    while waiting for that step, by reason, most first. One query."""
    rows = (
        Enrolment.objects.filter(flow=flow, state=Enrolment.State.EXITED)
        .values("position", "exit_reason")
        .annotate(n=Count("pk"))
        .order_by("position", "-n", "exit_reason")
    )
    out: dict[int, list[tuple[str, int]]] = {}
    for row in rows:
        out.setdefault(row["position"], []).append((exit_reason_label(row["exit_reason"]), row["n"]))
    return out


def products_with_tips(*, store: Store) -> QuerySet[Product]:
    """The store's products (not archived), newest first, each with its tips
    (``marketing_tips``, or none) in the same query."""
    return (
        Product.objects.filter(store=store)
        .exclude(status=Product.Status.ARCHIVED)
        .select_related("marketing_tips")
        .order_by("-pk")
    )


def tips_count(*, store: Store) -> int:
    from marketing.flow_models import ProductTips

    return ProductTips.objects.filter(store=store).count()
