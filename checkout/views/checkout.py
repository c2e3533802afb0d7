"""The one-page checkout and placing the order.

Routes (namespace ``checkout``):

- ``checkout/`` ``checkout``: the page (GET); a POST re-prices it with the chosen address,
  code and method (the "Apply" button without JavaScript).
- ``checkout/quote/`` ``checkout_quote``: the same re-pricing for htmx, answering only the
  summary (and the discount message, out of band).
- ``checkout/place/`` ``place_order``: POST, places the orders through ``services.place_order``.

Each takes a ``source``: the cart (by default), ``buy_now``, the one item the shopper chose
with "Buy now" (``checkout.views.cart.buy_now`` keeps it in the session; the cart is left as
it is), or special terms named by their token (``offer:12``: a seller's offer in a chat,
read from its owner through ``checkout.signals``; someone else's answers 404, one that can no
longer be used 409).

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
from checkout.exceptions import OutOfStock, QuoteChanged, TermsUnavailable
from checkout.forms import CheckoutForm
from checkout.models import Payment, PaymentMethod
from checkout.services import CheckoutSource, DirectItem
from checkout.terms import parse_terms_token, terms_for
from shop import events
from shop.client import ClientInfo
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
    return checkout_url(request.POST.get("source", ""))


def payment_result_url(payment: Payment) -> str:
    """Where a placed checkout continues: the card form, or the thank-you page."""
    if payment.method == PaymentMethod.CARD:
        return reverse("checkout:pay_card", kwargs={"payment_id": payment.pk})
    return reverse("checkout:placed", kwargs={"payment_id": payment.pk})


# --- "Buy now": the one item, kept in the session ------------------------------------------

BUY_NOW = "buy_now"  # the ``source`` of a "Buy now" checkout
BUY_NOW_SESSION_KEY = "checkout_buy_now"


def remember_buy_now(request, item: DirectItem) -> None:
    """The item "Buy now" checks out; a second press replaces it (never adds to it)."""
    request.session[BUY_NOW_SESSION_KEY] = {"variant": item.variant_id, "quantity": item.quantity}


def buy_now_item(request) -> DirectItem | None:
    kept = request.session.get(BUY_NOW_SESSION_KEY)
    try:
        return DirectItem(variant_id=int(kept["variant"]), quantity=int(kept["quantity"]))
    except (KeyError, TypeError, ValueError):
        return None


# --- A discount code handed over elsewhere (a store's code card in a chat) ------------------

DISCOUNT_SESSION_KEY = "checkout_discount_code"


def remember_discount_code(request, code: str) -> None:
    """The code the cart's checkout starts with (until the shopper changes it or places)."""
    request.session[DISCOUNT_SESSION_KEY] = code


def remembered_discount_code(request) -> str:
    return str(request.session.get(DISCOUNT_SESSION_KEY) or "")[:30]


def checkout_url(source: str = "") -> str:
    url = reverse("checkout:checkout")
    if source == BUY_NOW or parse_terms_token(source):
        return f"{url}?source={source}"
    return url


def _source(request, state: dict) -> CheckoutSource | None:
    if state["source"] == BUY_NOW:
        return buy_now_item(request)
    if state["source"]:
        return terms_for(state["source"], buyer=request.user)
    return services.cart_for_user(user=request.user)


def _terms_unavailable(request, exc: TermsUnavailable) -> HttpResponse:
    return render(request, "checkout/terms_unavailable.html", {"message": " ".join(exc.messages)}, status=409)


# --- The page ------------------------------------------------------------------------------


def _state(data) -> dict:
    """The choices a re-rendered page keeps (parsed leniently: the form validates on placing)."""
    method = (data.get("payment_method") or "").strip()
    source = str(data.get("source") or "")[:40]
    return {
        "source": source if source == BUY_NOW or parse_terms_token(source) else "",
        "address": (data.get("address") or "").strip()[:20],
        "discount_code": (data.get("discount_code") or "").strip()[:30],
        "payment_method": method if method in PaymentMethod.values else "",
        "note": (data.get("note") or "")[:300],
    }


def _context(request, state: dict, *, form=None, notice: str = "", notice_level: str = "warning") -> dict:
    source = _source(request, state)
    page = selectors.checkout_page(
        source=source,
        buyer=request.user,
        discount_code=state["discount_code"],
        payment_method=state["payment_method"],
    )
    if not state["address"] and page.addresses:
        state = {**state, "address": str(page.addresses[0].pk)}  # the default comes first
    return {
        "page": page,
        "quote": page.quote,
        "buy_now": state["source"] == BUY_NOW,
        "special_terms": source if isinstance(source, services.SpecialTerms) else None,
        # This checkout's own address (with its source): where adding an address comes back to.
        "checkout_url": checkout_url(state["source"]),
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
    data = request.POST if request.method == "POST" else request.GET
    if request.method == "GET" and "discount_code" not in data and not data.get("source"):
        # A code the shopper chose to use (a store's code card) fills in the cart's checkout.
        data = data.copy()
        data["discount_code"] = remembered_discount_code(request)
    try:
        context = _context(request, _state(data))
    except TermsUnavailable as exc:
        return _terms_unavailable(request, exc)
    if request.method == "GET":
        for store in context["quote"].stores:
            events.record(events.EventName.CHECKOUT_STARTED, store_id=store.store.pk)
    return render(request, PAGE_TEMPLATE, context)


@require_POST
@signed_in(_back_to_checkout)
def checkout_quote(request):
    """The summary again for the address, code and method chosen (htmx); the whole page without it."""
    state = _state(request.POST)
    try:
        if not is_htmx(request):
            return _render_page(request, state)
        context = _context(request, state)
    except TermsUnavailable as exc:
        return _terms_unavailable(request, exc)
    context["oob"] = True
    return render(request, SUMMARY_TEMPLATE, context)


def _news_store_ids(data) -> frozenset[int]:
    """The stores whose "send me news" box was ticked (``news_from``, drawn in the page's
    answer to ``checkout.signals.checkout_store_shown`` by the layer that owns the customer lists)."""
    return frozenset(int(value) for value in data.getlist("news_from")[:50] if value.isdigit() and len(value) < 19)


@require_POST
@signed_in(_back_to_checkout)
def place_order(request):
    state = _state(request.POST)
    form = CheckoutForm(request.POST, user=request.user)
    try:
        if not form.is_valid():
            return _render_page(request, state, form=form, status=400)
        data = form.cleaned_data
        if state["source"] == BUY_NOW:
            # None once used: a second press of "Place order" still finds the first checkout.
            source = {"item": buy_now_item(request)}
        elif state["source"]:
            source = {"terms": terms_for(state["source"], buyer=request.user)}
        else:
            source = {"cart": services.cart_for_user(user=request.user, create=True)}
    except TermsUnavailable as exc:
        # A second press after the offer was bought finds the first checkout.
        earlier = services.earlier_checkout(buyer=request.user, idempotency_key=form.cleaned_data["idempotency_key"])
        if earlier is None:
            return _terms_unavailable(request, exc)
        return redirect(payment_result_url(earlier.payment))
    try:
        placed = services.place_order(
            buyer=request.user,
            **source,
            address=data["address"],
            payment_method=data["payment_method"],
            idempotency_key=data["idempotency_key"],
            quote_digest=data["quote_digest"],
            discount_code=data["discount_code"],
            note=data["note"],
            news_store_ids=_news_store_ids(request.POST),
            client=ClientInfo.of(request),
        )
    except TermsUnavailable as exc:
        return _terms_unavailable(request, exc)
    except OutOfStock as exc:
        return _render_page(request, state, notice=" ".join(exc.messages), notice_level="error", status=409)
    except QuoteChanged as exc:
        return _render_page(request, state, notice=" ".join(exc.messages), status=409)
    except ValidationError as exc:
        form.add_service_error(exc)
        return _render_page(request, state, form=form, status=400)
    except PermissionDenied as exc:
        message = str(exc) or _("You cannot do that.")
        return _render_page(request, state, notice=message, notice_level="error", status=403)
    if state["source"] == BUY_NOW:
        request.session.pop(BUY_NOW_SESSION_KEY, None)
    elif not state["source"]:
        request.session.pop(DISCOUNT_SESSION_KEY, None)
    return redirect(payment_result_url(placed.payment))


urlpatterns = [
    path("checkout/", checkout, name="checkout"),
    path("checkout/quote/", checkout_quote, name="checkout_quote"),
    path("checkout/place/", place_order, name="place_order"),
]
