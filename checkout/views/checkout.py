"""The one-page checkout and placing the order.

Routes (namespace ``checkout``):

- ``checkout/`` ``checkout``: the page (GET); a POST re-prices it with the chosen address,
  code and method (the "Apply" button without JavaScript).
- ``checkout/quote/`` ``checkout_quote``: the same re-pricing for htmx, answering only the
  summary (and the discount message, out of band).
- ``checkout/place/`` ``place_order``: POST, places the orders through ``services.place_order``.

Nothing the client sends is charged: the form carries the address, code, method, note, a
checkout key (one per page view, so a second press finds the first checkout) and the digest
of the quote shown (a changed quote is refused with the new total, never charged silently).
"""

from __future__ import annotations

import functools
import uuid

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from checkout import selectors, services
from checkout.exceptions import OutOfStock, QuoteChanged
from checkout.forms import CheckoutForm
from checkout.models import Payment, PaymentMethod
from shop.htmx import is_htmx, login_first

PAGE_TEMPLATE = "checkout/checkout.html"
SUMMARY_TEMPLATE = "checkout/partials/checkout_summary.html"


# --- Shared by the checkout and order views -----------------------------------------------


def signed_in(after_login):
    """Like Django's ``login_required``; a POST (whose address would answer 405 after logging
    in) sends the person back to ``after_login(request, **kwargs)`` instead, and an htmx
    request is redirected as a whole page."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.is_authenticated:
                return view(request, *args, **kwargs)
            if is_htmx(request):
                return login_first(request)
            target = request.get_full_path() if request.method == "GET" else after_login(request, **kwargs)
            return redirect_to_login(target)

        return wrapper

    return decorator


def _back_to_checkout(request, **kwargs) -> str:
    return reverse("checkout:checkout")


def payment_result_url(payment: Payment) -> str:
    """Where a placed checkout continues: the card form, or the thank-you page."""
    if payment.method == PaymentMethod.CARD:
        return reverse("checkout:pay_card", kwargs={"payment_id": payment.pk})
    return reverse("checkout:placed", kwargs={"payment_id": payment.pk})


# --- The page ------------------------------------------------------------------------------


def _state(data) -> dict:
    """The choices a re-rendered page keeps (parsed leniently: the form validates on placing)."""
    method = (data.get("payment_method") or "").strip()
    return {
        "address": (data.get("address") or "").strip()[:20],
        "discount_code": (data.get("discount_code") or "").strip()[:30],
        "payment_method": method if method in PaymentMethod.values else "",
        "note": (data.get("note") or "")[:300],
    }


def _context(request, state: dict, *, cart=None, form=None, notice: str = "", notice_level: str = "warning") -> dict:
    if cart is None:
        cart = services.cart_for_user(request.user)
    page = selectors.checkout_page(
        cart, buyer=request.user, discount_code=state["discount_code"], payment_method=state["payment_method"]
    )
    if not state["address"] and page.addresses:
        state = {**state, "address": str(page.addresses[0].pk)}  # the default comes first
    return {
        "page": page,
        "quote": page.quote,
        "state": {**state, "payment_method": page.payment_method},
        # One key per page view: pressing "Place order" twice finds the first checkout.
        "idempotency_key": uuid.uuid4().hex,
        "errors": form.errors if form is not None else {},
        "general_errors": form.non_field_errors() if form is not None else [],
        "notice": notice,
        "notice_level": notice_level,
    }


def _render_page(request, state: dict, *, status: int = 200, **kwargs) -> HttpResponse:
    return render(request, PAGE_TEMPLATE, _context(request, state, **kwargs), status=status)


@require_http_methods(["GET", "POST"])
@signed_in(_back_to_checkout)
def checkout(request):
    """GET shows the page; POST (the "Apply" button without JavaScript) prices it again with
    the choices posted. Neither changes anything."""
    return _render_page(request, _state(request.POST if request.method == "POST" else request.GET))


@require_POST
@signed_in(_back_to_checkout)
def checkout_quote(request):
    """The summary again for the address, code and method chosen (htmx); the whole page without it."""
    state = _state(request.POST)
    if not is_htmx(request):
        return _render_page(request, state)
    context = _context(request, state)
    context["oob"] = True
    return render(request, SUMMARY_TEMPLATE, context)


@require_POST
@signed_in(_back_to_checkout)
def place_order(request):
    state = _state(request.POST)
    form = CheckoutForm(request.POST, user=request.user)
    cart = services.cart_for_user(request.user, create=True)
    if not form.is_valid():
        return _render_page(request, state, cart=cart, form=form, status=400)
    data = form.cleaned_data
    if selectors.cart_has_price_changes(cart) and not selectors.checkout_exists(request.user, data["idempotency_key"]):
        return _render_page(
            request,
            state,
            cart=cart,
            notice=_("Some prices changed since you added them to your cart. Review them in your cart first."),
            status=409,
        )
    try:
        placed = services.place_order(
            buyer=request.user,
            cart=cart,
            address=data["address"],
            payment_method=data["payment_method"],
            idempotency_key=data["idempotency_key"],
            quote_digest=data["quote_digest"],
            discount_code=data["discount_code"],
            note=data["note"],
        )
    except OutOfStock as exc:
        return _render_page(request, state, cart=cart, notice=" ".join(exc.messages), notice_level="error", status=409)
    except QuoteChanged as exc:
        return _render_page(request, state, cart=cart, notice=" ".join(exc.messages), status=409)
    except ValidationError as exc:
        form.add_service_error(exc)
        return _render_page(request, state, cart=cart, form=form, status=400)
    except PermissionDenied as exc:
        message = str(exc) or _("You cannot do that.")
        return _render_page(request, state, cart=cart, notice=message, notice_level="error", status=403)
    return redirect(payment_result_url(placed.payment))


urlpatterns = [
    path("checkout/", checkout, name="checkout"),
    path("checkout/quote/", checkout_quote, name="checkout_quote"),
    path("checkout/place/", place_order, name="place_order"),
]
