"""Every store's figures, for the site's staff: sales by store, top stores."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from catalog.models import Store
from insights.models import DailyStoreFigures
from insights.periods import Period
from insights.selectors.store import in_period


@dataclass
class StoreRow:
    store_id: int
    orders_paid: int
    revenue: int
    refunds: int
    product_views: int
    store: Store | None = None

    @property
    def name(self) -> str:
        return self.store.name if self.store is not None else f"#{self.store_id}"

    @property
    def net(self) -> int:
        return self.revenue - self.refunds


def top_stores(*, period: Period, limit: int = 20) -> list[StoreRow]:
    """Stores by revenue over ``period``. Two queries."""
    rows = [
        # ``store_id`` is nullable in the model, never in these rows (``store_id__isnull=False``).
        StoreRow(**row)  # type: ignore[arg-type]
        for row in DailyStoreFigures.objects.filter(in_period(period), store_id__isnull=False)
        .values("store_id")
        .annotate(
            orders_paid=Sum("orders_paid"),
            revenue=Sum("revenue"),
            refunds=Sum("refunds"),
            product_views=Sum("product_views"),
        )
        .order_by("-revenue", "-orders_paid", "store_id")[:limit]
    ]
    stores = Store.objects.only("pk", "name", "slug").in_bulk([row.store_id for row in rows])
    for row in rows:
        row.store = stores.get(row.store_id)
    return rows


def store_choices() -> list[tuple[int, str]]:
    """Every store, for the staff's picker."""
    return list(Store.objects.order_by("name").values_list("pk", "name"))
