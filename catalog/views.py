from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from catalog import selectors, services
from catalog.forms import OpenStoreForm, ProductFilterForm
from catalog.models import Product, Store

PRODUCTS_PER_PAGE = 24


def _paginate(request, queryset, per_page=PRODUCTS_PER_PAGE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def home(request):
    filters = selectors.ProductFilters()
    products = selectors.product_list(filters=filters)[:12]
    stores = Store.objects.filter(is_active=True).order_by("name")[:12]
    return render(
        request,
        "catalog/home.html",
        {"products": products, "stores": stores, "categories": selectors.category_tree()},
    )


def _product_list_page(request, *, template="catalog/product_list.html", **fixed):
    form = ProductFilterForm(request.GET or None)
    filters = form.to_filters(**fixed)
    page = _paginate(request, selectors.product_list(filters=filters))
    return render(
        request,
        template,
        {
            "form": form,
            "filters": filters,
            "page_obj": page,
            "products": page.object_list,
            "categories": selectors.category_tree(),
            "query_without_page": _query_without_page(request),
            **fixed,
        },
    )


def product_list(request):
    return _product_list_page(request)


def category(request, slug):
    return _product_list_page(request, category=selectors.category_by_slug(slug))


def product_detail(request, slug):
    product = selectors.product_detail(slug=slug, user=request.user)
    choices = selectors.variant_choices(product)
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "variants": product.ordered_variants,
            "images": product.ordered_images,
            "variant_choices": choices,
            "is_owner": request.user.is_authenticated and product.store.owner_id == request.user.pk,
            "not_public": product.status != Product.Status.ACTIVE,
        },
    )


def store_detail(request, slug):
    store = selectors.store_detail(slug=slug)
    filters = selectors.ProductFilters(store=store, sort=request.GET.get("sort") or selectors.DEFAULT_SORT)
    page = _paginate(request, selectors.product_list(filters=filters))
    return render(
        request,
        "catalog/store_detail.html",
        {"store": store, "page_obj": page, "products": page.object_list, "query_without_page": _query_without_page(request)},
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
