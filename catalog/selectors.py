"""Catalog reads shared by the pages and the API. They own the joins and prefetches."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from catalog import signals
from catalog.models import Category, Product, ProductImage, ProductVariant, Store
from shop.models import User

SORTS = {
    "newest": (_("Newest"), ("-published_at", "-id")),
    "price_asc": (_("Price: low to high"), ("from_price", "-id")),
    "price_desc": (_("Price: high to low"), ("-from_price", "-id")),
    "title": (_("Name"), ("title", "id")),
    "relevance": (_("Best match"), ("-relevance", "-published_at", "-id")),
}
DEFAULT_SORT = "newest"
SEARCH_TERMS_MAX = 8
# Stores shown above a search's products (the API pages through all of them).
STORE_RESULTS = 6


@dataclass
class ProductFilters:
    """What a shopper may filter the product list by. Prices are in minor units."""

    q: str = ""
    category: Category | None = None
    store: Store | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool = False
    sort: str = DEFAULT_SORT
    errors: dict = field(default_factory=dict)


# --- The "from" price ------------------------------------------------------------------
#
# A product's card, its place in a price sort or filter, the sheet a post's tag opens and the
# API all show one variant's price: the cheapest a shopper can buy (in stock), or, when every
# variant is sold out, the cheapest of all (the card then says "Sold out"). The same order
# is written twice below, for SQL and for variants already in memory; keep them alike.


def _from_variant_order(product: F) -> QuerySet[ProductVariant]:
    """The variants of ``product`` (an ``OuterRef``), the one a "from" price names first."""
    return ProductVariant.objects.filter(product=product).order_by(
        Case(When(stock__gt=0, then=Value(0)), default=Value(1)), "price", "position", "id"
    )


def with_from_price(queryset: QuerySet, *, product: F | None = None) -> QuerySet:
    """``queryset`` with ``from_price`` and ``from_compare_at_price`` (of the variant a "from"
    price names; ``None`` without variants) and ``total_stock`` (0 without variants).

    ``product`` is how a row reaches its product: ``OuterRef("pk")`` for products (the
    default), ``OuterRef("product")`` for rows that point at one (a post's product tag).
    """
    product = OuterRef("pk") if product is None else product
    first = _from_variant_order(product)
    stock = ProductVariant.objects.filter(product=product).order_by().values("product").annotate(total=Sum("stock"))
    return queryset.annotate(
        from_price=Subquery(first.values("price")[:1]),
        from_compare_at_price=Subquery(first.values("compare_at_price")[:1]),
        total_stock=Coalesce(Subquery(stock.values("total")), 0),
    )


def from_variant(variants: list[ProductVariant]) -> ProductVariant | None:
    """Of ``variants`` (one product's), the one its "from" price names: where a product page
    or sheet starts its variant picker, so that it opens at the price the card showed."""
    if not variants:
        return None
    return min(variants, key=lambda variant: (not variant.in_stock, variant.price, variant.position, variant.pk))


def search_terms(q: str) -> list[str]:
    return re.findall(r"\w+", q.lower())[:SEARCH_TERMS_MAX]


def cover_images() -> Prefetch:
    """A product's pictures in their order, as ``product.ordered_images`` (the first is the
    cover): for ``prefetch_related`` on products."""
    return Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"), to_attr="ordered_images")


def search_products(queryset: QuerySet, terms: list[str], *, full_text: bool | None = None) -> QuerySet:
    """Full text on PostgreSQL (prefix matching, ranked); word containment elsewhere.

    Either way every term must match (title, store name or description) and the
    queryset gains a ``relevance`` annotation.
    """
    if full_text is None:
        full_text = connection.vendor == "postgresql"
    if full_text:
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("title", weight="A", config="simple")
            + SearchVector("store__name", weight="B", config="simple")
            + SearchVector("description", weight="C", config="simple")
        )
        query = SearchQuery(" & ".join(f"{term}:*" for term in terms), search_type="raw", config="simple")
        matching = Product.objects.annotate(search=vector).filter(search=query).values("pk")
        return queryset.filter(pk__in=matching).annotate(relevance=SearchRank(vector, query))
    condition = Q()
    title_hits: Expression = Value(0)
    for term in terms:
        condition &= Q(title__icontains=term) | Q(description__icontains=term) | Q(store__name__icontains=term)
        title_hits = title_hits + Case(When(title__icontains=term, then=Value(1)), default=Value(0))
    return queryset.filter(condition).annotate(relevance=Case(default=title_hits, output_field=IntegerField()))


def category_and_descendants(category: Category) -> Q:
    return Q(category=category) | Q(category__parent=category) | Q(category__parent__parent=category)


def product_list(*, filters: ProductFilters, user: User | AnonymousUser | None = None) -> QuerySet[Product]:
    """Active products (or the viewer's own) matching ``filters``, ready for product cards.

    Each product carries ``from_price``, ``from_compare_at_price``, ``total_stock``
    (``with_from_price``) and ``ordered_images``; the store comes with it. Constant queries
    whatever the page size. Price filters and sorts go by the "from" price too.
    """
    queryset: QuerySet = Product.objects.active() if user is None else Product.objects.visible_to(user)
    if filters.store is not None:
        queryset = queryset.filter(store=filters.store)
    if filters.category is not None:
        queryset = queryset.filter(category_and_descendants(filters.category))
    terms = search_terms(filters.q)
    if terms:
        queryset = search_products(queryset, terms)
    queryset = with_from_price(queryset)
    if filters.min_price is not None:
        queryset = queryset.filter(from_price__gte=filters.min_price)
    if filters.max_price is not None:
        queryset = queryset.filter(from_price__lte=filters.max_price)
    if filters.in_stock:
        queryset = queryset.filter(total_stock__gt=0)
    sort = filters.sort if filters.sort in SORTS else DEFAULT_SORT
    if sort == "relevance" and not terms:
        sort = DEFAULT_SORT
    return queryset.select_related("store").prefetch_related(cover_images()).order_by(*SORTS[sort][1])


def for_product_cards(products: Iterable[Product]) -> list[Product]:
    """``products`` (one page of cards) as a list, each with what the apps above show on a card
    (social's rating), attached by the receivers of ``catalog.signals.product_cards_shown``:
    a constant number of queries whatever the number of products, none for no products."""
    products = list(products)
    if products:
        signals.product_cards_shown.send(sender=Product, products=products)
    return products


def product_detail(*, slug: str, user: User | AnonymousUser) -> Product:
    """A product page's product, with store, category path, variants and images.

    Draft and archived products are 404 except to their seller (and superusers).
    """
    queryset = (
        Product.objects.visible_to(user)
        .select_related("store", "category__parent__parent")
        .prefetch_related(
            Prefetch(
                "variants", queryset=ProductVariant.objects.order_by("position", "id"), to_attr="ordered_variants"
            ),
            cover_images(),
        )
    )
    product = queryset.filter(slug=slug).first()
    if product is None:
        raise Http404(_("No such product."))
    return product


def product_with_store(*, pk: int) -> Product:
    """A product with its store and nothing else (what is shown beside a product page's stencil)."""
    return Product.objects.select_related("store").get(pk=pk)


def store_detail(*, slug: str) -> Store:
    store = Store.objects.filter(slug=slug, is_active=True).select_related("owner").first()
    if store is None:
        raise Http404(_("No such store."))
    return store


def category_tree() -> list[Category]:
    """Root categories, each with ``.subcategories`` (and theirs), from one query."""
    categories = list(Category.objects.order_by("depth", "position", "name"))
    by_parent: dict[int | None, list[Category]] = {}
    for category in categories:
        by_parent.setdefault(category.parent_id, []).append(category)
    for category in categories:
        # The attribute ``category_list``'s Prefetch(to_attr=...) sets too; the templates read it.
        category.subcategories = by_parent.get(category.pk, [])  # type: ignore[attr-defined]
    return by_parent.get(None, [])


def category_by_slug(slug: str) -> Category:
    category = Category.objects.select_related("parent__parent").filter(slug=slug).first()
    if category is None:
        raise Http404(_("No such category."))
    return category


def variant_choices(product: Product) -> dict:
    """The option axes of a product and its variants, for the variant picker."""
    from shop.money import format_money

    variants = getattr(product, "ordered_variants", None) or list(product.variants.all())
    axes: dict[str, list[str]] = {}
    for variant in variants:
        for name, value in variant.options.items():
            values = axes.setdefault(name, [])
            if str(value) not in values:
                values.append(str(value))
    return {
        "axes": [{"name": name, "values": values} for name, values in axes.items()],
        "variants": [
            {
                "id": variant.pk,
                "sku": variant.sku,
                "options": {name: str(value) for name, value in variant.options.items()},
                "price": format_money(variant.price),
                "compare_at_price": format_money(variant.compare_at_price) if variant.compare_at_price else "",
                "stock": variant.stock,
            }
            for variant in variants
        ],
    }


def store_list(*, user: User | AnonymousUser | None = None, q: str = "") -> QuerySet[Store]:
    """Open stores, plus ``user``'s own (open or not), each with ``product_count`` (active products).

    By name; with search words in ``q``, those whose name, handle or description holds every
    word (``search_stores``), best matches first."""
    condition = Q(is_active=True)
    if user is not None and user.is_authenticated:
        condition |= Q(owner=user)
    stores = (
        Store.objects.filter(condition)
        .select_related("owner")
        .annotate(product_count=Count("products", filter=Q(products__status=Product.Status.ACTIVE)))
    )
    terms = search_terms(q)
    if terms:
        return search_stores(stores, terms).order_by(F("relevance").desc(), "name", "id")
    return stores.order_by("name", "id")


def search_stores(queryset: QuerySet[Store], terms: list[str]) -> QuerySet[Store]:
    """Stores whose name, handle (slug) or description holds every term, each with ``relevance``:
    how many terms its name or handle holds (a match there is what a shopper means by the store)."""
    condition = Q()
    name_hits: Expression = Value(0)
    for term in terms:
        in_name = Q(name__icontains=term) | Q(slug__icontains=term)
        condition &= in_name | Q(description__icontains=term)
        name_hits = name_hits + Case(When(in_name, then=Value(1)), default=Value(0))
    return queryset.filter(condition).annotate(relevance=Case(default=name_hits, output_field=IntegerField()))


def store_results(*, q: str, limit: int = STORE_RESULTS) -> list[Store]:
    """The open stores a site search finds (best matches first), shown above its products."""
    if not search_terms(q):
        return []
    return list(store_list(q=q)[:limit])


def category_list() -> QuerySet[Category]:
    """Every category, roots first, each with its parent and ``subcategories`` (two queries)."""
    return (
        Category.objects.select_related("parent")
        .prefetch_related(
            Prefetch("children", queryset=Category.objects.order_by("position", "name"), to_attr="subcategories")
        )
        .order_by("depth", "position", "name")
    )
