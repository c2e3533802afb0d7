"""Reads of a store's flows that the seller's pages, the API and the admin share; every one is
scoped to the seller's store (another store's flow or step is None, never an error)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from catalog.models import Store
from marketing.flow_models import Flow, FlowStep, ProductTips


def store_flows(*, store: Store) -> QuerySet[Flow]:
    """The store's flows with their steps in order (``marketing.flows.defaults`` makes them)."""
    return (
        Flow.objects.filter(store=store)
        .prefetch_related(Prefetch("steps", queryset=FlowStep.objects.order_by("position")))
        .order_by("kind")
    )


def flow_for_seller(*, store: Store, pk: int) -> Flow | None:
    return store_flows(store=store).filter(pk=pk).first()


def step_for_seller(*, store: Store, pk: int) -> FlowStep | None:
    return FlowStep.objects.select_related("flow").filter(flow__store=store, pk=pk).first()


def store_tips(*, store: Store) -> QuerySet[ProductTips]:
    return ProductTips.objects.filter(store=store).select_related("product")
