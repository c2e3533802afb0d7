from functools import cache
from typing import NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from catalog import selectors, services
from catalog.apps import CATALOG_PAGES
from catalog.forms import OpenStoreForm, ProductFilterForm
from catalog.models import Product, Store
from shop import events, stencil

PRODUCTS_PER_PAGE = 24


def _paginate(request, queryset, per_page=PRODUCTS_PER_PAGE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _page_error(request, page) -> str:
    """Why the page shown is not the page asked for (``?page=999``, ``?page=abc``), if it is not."""
    requested = request.GET.get("page")
    if not requested or requested == str(page.number):
        return ""
    return _("There is no page %(page)s; showing page %(number)d.") % {"page": requested[:20], "number": page.number}


def _picker_axes(choices: dict, initial) -> list[dict]:
    """The variant picker's option axes, each value marked checked when the initial variant has it."""
    chosen = {name: str(value) for name, value in initial.options.items()} if initial else {}
    return [
        {
            "name": axis["name"],
            "values": [{"value": v, "checked": chosen.get(axis["name"]) == v} for v in axis["values"]],
        }
        for axis in choices["axes"]
    ]


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _product_list_page(request, *, template="catalog/product_list.html", category_slug: str | None = None):
    """All products, a search or a category: from the stencil of its query (the page, filters
    and sort) and the catalog's version, unless messages wait to be shown."""

    def context() -> dict:
        fixed = {"category": selectors.category_by_slug(category_slug)} if category_slug else {}
        return _product_list_context(request, **fixed)

    if stencil.has_messages(request):
        return render(request, template, context())
    shape = {
        "query": sorted(request.GET.lists()),
        "category_slug": category_slug,
        "version": stencil.version(CATALOG_PAGES),
    }
    return stencil.render_page(request, template, shape=shape, context=context, fills={})


def _product_list_context(request, **fixed) -> dict:
    form = ProductFilterForm(request.GET or None)
    filters = form.to_filters(**fixed)
    page = _paginate(request, selectors.product_list(filters=filters))
    return {
        "form": form,
        "filters": filters,
        "page_obj": page,
        # Stores the words name, above the products, on the first page of a search.
        "stores": selectors.store_results(q=filters.q) if page.number == 1 else [],
        # The layers above attach what they show on a card (social: the rating).
        "products": selectors.for_product_cards(page.object_list),
        "categories": selectors.category_tree(),
        "query_without_page": _query_without_page(request),
        "page_error": _page_error(request, page),
        # Where the products' links say the shopper came from (shop.events.Source).
        "src": events.Source.SEARCH.slug if filters.q else "",
        **fixed,
    }


def product_list(request):
    return _product_list_page(request)


def category(request, slug):
    return _product_list_page(request, category_slug=slug)


class _Head(NamedTuple):
    """What the product page needs before it knows whether it comes from its stencil."""

    pk: int
    store_id: int
    owner_id: int
    is_public: bool


def product_detail(request, slug):
    product = cache(lambda: selectors.product_detail(slug=slug, user=request.user))
    # The product's head is kept beside its stencil while the product is public (then anyone
    # may see it), so a page from the stencil runs no query at all.
    version = stencil.version(CATALOG_PAGES)
    head_key = stencil.key("product-head", slug, version)
    head = caches["fragments"].get(head_key)
    if head is None:
        loaded = product()
        head = _Head(loaded.pk, loaded.store_id, loaded.store.owner_id, loaded.is_public and loaded.store.is_active)
        if head.is_public:
            caches["fragments"].set(head_key, head)
    is_owner = request.user.is_authenticated and head.owner_id == request.user.pk
    if not is_owner and head.is_public:  # a seller's own looks are not views
        events.record(
            events.EventName.PRODUCT_VIEW,
            store_id=head.store_id,
            product_id=head.pk,
            post_id=events.id_from_query(request.GET.get("post")),
            source=events.source_of(request),
        )
    if is_owner or not head.is_public or stencil.has_messages(request):
        return render(request, "catalog/product_detail.html", _product_context(product(), is_owner=is_owner))
    # Everyone else sees the page from its stencil (per product and catalog version); what the
    # page's receivers show of the viewer they fill for each request (``stencil.fill_later``).
    return stencil.render_page(
        request,
        "catalog/product_detail.html",
        shape={"product_id": head.pk, "version": version},
        context=lambda: _product_context(product(), is_owner=False),
        fills={},
    )


def _product_context(product: Product, *, is_owner: bool) -> dict:
    choices = selectors.variant_choices(product)
    variants = product.ordered_variants
    # The picker starts where the product's cards say it starts: at its "from" price.
    initial = selectors.from_variant(variants)
    return {
        "product": product,
        "variants": variants,
        "images": product.ordered_images,
        "variant_choices": choices,
        "initial_variant": initial,
        "picker_axes": _picker_axes(choices, initial),
        "is_owner": is_owner,
        "not_public": product.status != Product.Status.ACTIVE,
    }


def store_detail(request, slug):
    store = selectors.store_detail(slug=slug)
    sort = request.GET.get("sort") or selectors.DEFAULT_SORT
    if sort not in selectors.SORTS or sort == "relevance":
        sort = selectors.DEFAULT_SORT
    filters = selectors.ProductFilters(store=store, sort=sort)
    page = _paginate(request, selectors.product_list(filters=filters))
    return render(
        request,
        "catalog/store_detail.html",
        {
            "store": store,
            "page_obj": page,
            "products": selectors.for_product_cards(page.object_list),
            "query_without_page": _query_without_page(request),
            "page_error": _page_error(request, page),
            "sort": sort,
            "src": events.Source.PROFILE.slug,
            "sort_choices": [(key, label) for key, (label, _order) in selectors.SORTS.items() if key != "relevance"],
        },
    )


@login_required
def open_store(request):
    if Store.objects.filter(owner=request.user).exists():
        messages.info(request, _("You already have a store. Manage it in the back office."))
        return redirect("admin:index")
    form = OpenStoreForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            store = services.open_store(owner=request.user, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(
                request, _("Your store %(name)s is open. Add your first product here.") % {"name": store.name}
            )
            return redirect("admin:catalog_product_add")
    return render(request, "catalog/open_store.html", {"form": form})
