"""Products as cards for the friends' reads, and "you may also like" from the precomputed
affinities.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import FloatField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from catalog.models import Product
from catalog.selectors import ProductFilters, for_product_cards, product_list
from shop.models import User
from social.models import ProductAffinity

ALSO_LIKE_LIMIT = 6


def product_cards(ids: list[int], *, user: User | AnonymousUser | None = None) -> dict[int, Product]:
    """Active products ready for ``components/product_card.html`` (price, stock, cover, and
    what the layers above attach through ``catalog.signals.product_cards_shown``), by id. Three queries at most."""
    if not ids:
        return {}
    products = for_product_cards(product_list(filters=ProductFilters()).filter(pk__in=ids))
    return {product.pk: product for product in products}


def also_like(*, product: Product, limit: int = ALSO_LIKE_LIMIT) -> list[Product]:
    """ "You may also like": the precomputed ``ProductAffinity`` rows of ``product``, best
    first, as product cards (active products only). Never computed here: an empty table
    shows nothing. Three queries whatever the number of rows (products, covers, ratings)."""
    affinity = ProductAffinity.objects.filter(product=product)
    score = Subquery(affinity.filter(other=OuterRef("pk")).values("score")[:1], output_field=FloatField())
    products: QuerySet[Product] = (
        product_list(filters=ProductFilters())
        .filter(pk__in=affinity.order_by("-score", "other_id").values("other_id")[: limit * 2])
        .annotate(affinity_score=Coalesce(score, 0.0))
        .order_by("-affinity_score", "-id")
    )
    return for_product_cards(products[:limit])
