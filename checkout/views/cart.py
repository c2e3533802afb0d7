"""The cart: its page, adding from a product page or a post's product sheet, changing lines.

Routes (namespace ``checkout``):

- ``cart/`` ``cart``: the page, lines grouped by store, flagged when sold out, short, off
  sale or re-priced since they were added.
- ``cart/count/`` ``cart_count``: the header's cart link, which asks for it with htmx when
  its count was not cached (so no page pays a query for the header).
- ``cart/add/`` ``cart_add`` (POST ``variant``, ``quantity``): from a product page or sheet.
- ``cart/buy-now/`` ``buy_now`` (POST, the same): check out just that item and quantity,
  leaving the cart as it is (the choice is kept in the session; pressing twice replaces it).
- ``cart/lines/<line_id>/`` ``cart_line`` (POST ``quantity``; 0 removes).
- ``cart/lines/<line_id>/remove/`` ``cart_line_remove`` (POST).
- ``cart/accept-prices/`` ``cart_accept_prices`` (POST): "OK, use the new prices".
- ``cart/apply-code/`` ``cart_apply_code`` (POST ``code``): use a discount code handed over
  elsewhere (a store's code card in a chat): the cart's checkout starts with it, priced there
  by the same rules as a code typed in; the cart opens saying whether it applies now.

Visitors have carts too (kept in their session, merged into theirs when they log in).
Every POST works without JavaScript (it redirects back with a message) and with htmx (it
answers the part of the page that changed, and the header's count out of band). A refused
change answers 400 with the reason shown in place; a line of someone else's cart is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from catalog.models import Product
from checkout import services
from checkout.cart_session import cart_for_request, remember_cart_count, request_cart_count
from checkout.models import CartLine
from checkout.pricing import find_discount
from checkout.selectors import prefetch_line_covers
from checkout.views.checkout import BUY_NOW, checkout_url, remember_buy_now, remember_discount_code
from shop import stencil
from shop.htmx import SWAP_ERRORS_HEADER, is_htmx


def _message(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def _safe_next(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _buyer(request):
    return request.user if request.user.is_authenticated else None


def _cart_link(request, count: int) -> str:
    """The header's cart link, out of band: htmx puts it in place of the one on the page."""
    return render_to_string("components/cart_link.html", {"count": count, "oob": True}, request=request)


def _cart_context(request, cart, **extra) -> dict:
    quote = services.cart_quote(cart=cart, buyer=_buyer(request))
    prefetch_line_covers(quote)
    return {
        "quote": quote,
        "blocked": bool(quote.line_problems or quote.price_changes),
        **extra,
    }


# --- The page ---------------------------------------------------------------------------------


@require_GET
@never_cache
@vary_on_headers("HX-Request")
def cart_page(request):
    cart = cart_for_request(request)
    context = _cart_context(request, cart)
    # The page has just counted the cart: the header shows it without asking again.
    remember_cart_count(request, context["quote"].item_count)
    if is_htmx(request):
        return render(request, "components/cart_body.html", context)
    return render(request, "checkout/cart.html", context)


@require_GET
@never_cache
def cart_count(request):
    """The header's cart link with its count (htmx asks when the count was not cached)."""
    if not is_htmx(request):
        return redirect("checkout:cart")
    return render(request, "components/cart_link.html", {"count": request_cart_count(request)})


def _cart_body_response(request, cart, *, status: int = 200, notice: str = "", **extra) -> HttpResponse:
    """The cart's body (what the cart page's forms swap), the header count and the
    announcement for screen readers, both out of band."""
    context = _cart_context(request, cart, **extra)
    count = request_cart_count(request, fresh=True)
    html = render_to_string("components/cart_body.html", context, request=request)
    html += _cart_link(request, count)
    html += render_to_string("components/cart_status.html", {"notice": notice, "oob": True}, request=request)
    response = HttpResponse(html, status=status)
    if status == 400:
        response[SWAP_ERRORS_HEADER] = "true"
    return response


# --- Adding -----------------------------------------------------------------------------------


def _refused(request, error: ValidationError, back: str) -> HttpResponse:
    message = _message(error)
    if is_htmx(request):
        response = render(request, "components/cart_add_status.html", {"error": message}, status=400)
        response[SWAP_ERRORS_HEADER] = "true"
        return response
    messages.error(request, message)
    return redirect(back)


def _number(value: str | int | None) -> int | None:
    """A whole number from the request, or ``None`` (the service then refuses it by name)."""
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _chosen_variant(request) -> int | None:
    # Without JavaScript, a product with several variants offers a plain select instead of the picker.
    return _number(request.POST.get("variant_choice") or request.POST.get("variant"))


def _chosen_quantity(request) -> int | None:
    return _number(request.POST.get("quantity", 1))


@require_POST
def cart_add(request):
    back = _safe_next(request, reverse("checkout:cart"))
    try:
        # A visitor's first cart is made with its first line: a refused add leaves no empty cart.
        with transaction.atomic():
            cart = cart_for_request(request, create=True)
            line = services.add_to_cart(
                cart=cart, variant_id=_chosen_variant(request), quantity=_chosen_quantity(request)
            )
    except ValidationError as exc:
        return _refused(request, exc, back)
    if is_htmx(request):
        html = render_to_string("components/cart_add_status.html", {"line": line}, request=request)
        return HttpResponse(html + _cart_link(request, request_cart_count(request, fresh=True)))
    messages.success(request, _("Added to your cart: %(item)s.") % {"item": line.variant})
    return redirect(back)


@require_POST
def buy_now(request):
    """Check out just this item and quantity: the cart is not touched, no stock is held until
    the order is placed, and a second press replaces the choice instead of adding to it."""
    back = _safe_next(request, reverse("checkout:cart"))
    try:
        item = services.direct_item(variant_id=_chosen_variant(request), quantity=_chosen_quantity(request))
    except ValidationError as exc:
        return _refused(request, exc, back)
    remember_buy_now(request, item)
    target = checkout_url(BUY_NOW)
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@require_POST
def cart_apply_code(request):
    """Use this discount code at the cart's checkout, and open the cart."""
    code = str(request.POST.get("code", "")).strip()[:30]
    discount = find_discount(code) if code and "\x00" not in code else None
    if discount is None:
        messages.error(request, _("There is no such code."))
        return redirect("checkout:cart")
    remember_discount_code(request, discount.code)
    cart = cart_for_request(request)
    quote = services.quote_for(source=cart, buyer=request.user, discount_code=discount.code)
    problem = quote.errors.get("discount_code") if quote.lines else ""
    if problem:
        messages.warning(
            request,
            _("Code %(code)s is kept for your checkout, but does not apply yet: %(problem)s")
            % {"code": discount.code, "problem": problem},
        )
    else:
        messages.success(request, _("Code %(code)s will be taken off at checkout.") % {"code": discount.code})
    return redirect("checkout:cart")


# --- Changing lines ---------------------------------------------------------------------------


def _change(request, line_id, change) -> HttpResponse:
    """Run ``change(cart)`` (a service call) and answer with the cart as it is now."""
    cart = cart_for_request(request)
    if cart is None:
        raise Http404(_("This item is no longer in your cart."))
    try:
        notice = change(cart)
    except ValidationError as exc:
        if getattr(exc, "code", None) == "not_found":
            raise Http404(_message(exc)) from None
        if is_htmx(request):
            return _cart_body_response(
                request, cart, status=400, error_line_id=line_id, error_message=_message(exc), notice=_message(exc)
            )
        messages.error(request, _message(exc))
        return redirect("checkout:cart")
    if is_htmx(request):
        return _cart_body_response(request, cart, notice=notice)
    messages.success(request, notice)
    return redirect("checkout:cart")


def _title_of(cart, line_id) -> str:
    line = CartLine.objects.filter(cart=cart, pk=line_id).select_related("variant__product").first()
    return str(line.variant) if line is not None else ""


@require_POST
def cart_line(request, line_id: int):
    def change(cart) -> str:
        quantity = _number(request.POST.get("quantity"))
        title = _title_of(cart, line_id)
        line = services.set_line_quantity(cart=cart, line_id=line_id, quantity=quantity)
        if line is None:
            return _("Removed %(item)s from your cart.") % {"item": title}
        return _("%(item)s: quantity %(quantity)d.") % {"item": title, "quantity": line.quantity}

    return _change(request, line_id, change)


@require_POST
def cart_line_remove(request, line_id: int):
    def change(cart) -> str:
        title = _title_of(cart, line_id)
        services.remove_line(cart=cart, line_id=line_id)
        return _("Removed %(item)s from your cart.") % {"item": title}

    return _change(request, line_id, change)


@require_POST
def cart_accept_prices(request):
    def change(cart) -> str:
        services.accept_current_prices(cart=cart)
        return _("Your cart uses the new prices.")

    return _change(request, None, change)


# --- On a product page (``catalog.signals.buy_box_shown``, connected in CheckoutConfig) -------


def buy_box(sender: object, *, request, product, variant=None, form_id: str = "buy-form", **_kwargs) -> str:
    """The "Add to cart" and "Buy now" form under a product page's variant picker; nothing
    for a product that is not on sale (its seller previewing a draft)."""
    if variant is None or product.status != Product.Status.ACTIVE or not product.store.is_active:
        return ""
    return render_to_string(
        "components/add_to_cart.html",
        # The token given, not taken by {% csrf_token %}: a stencil's stand-in request has none.
        {"product": product, "variant": variant, "form_id": form_id, "csrf_token": stencil.csrf_token(request)},
        request=request,
    )


urlpatterns = [
    path("cart/", cart_page, name="cart"),
    path("cart/count/", cart_count, name="cart_count"),
    path("cart/add/", cart_add, name="cart_add"),
    path("cart/buy-now/", buy_now, name="buy_now"),
    path("cart/lines/<int:line_id>/", cart_line, name="cart_line"),
    path("cart/lines/<int:line_id>/remove/", cart_line_remove, name="cart_line_remove"),
    path("cart/accept-prices/", cart_accept_prices, name="cart_accept_prices"),
    path("cart/apply-code/", cart_apply_code, name="cart_apply_code"),
]
