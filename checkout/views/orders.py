"""The shopper's orders: the thank-you page after placing, the list, one order with its
timeline, and what the buyer can do to it (cancel, confirm receipt, upload a proof of transfer).

Routes (namespace ``checkout``):

- ``orders/placed/<payment_id>/`` ``placed``: the checkout just placed (its buyer only).
- ``orders/`` ``order_list``: the buyer's orders, newest first.
- ``orders/<number>/`` ``order_detail``: the buyer, the store's owner and superusers; 404 for anyone else.
- ``orders/<number>/cancel/`` ``order_cancel``, ``orders/<number>/confirm-receipt/``
  ``order_confirm_receipt``, ``orders/<number>/transfer-proof/`` ``order_transfer_proof``: POST.
- ``orders/<number>/transfer-proof/image/`` ``order_transfer_proof_image``: the proof of
  transfer (a private upload), to the same people as the order page; 404 for anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from checkout import selectors, services
from checkout.forms import TransferProofForm
from checkout.models import Order, OrderStatus, PaymentMethod
from checkout.views.checkout import signed_in
from shop.money import format_money
from shop.private_media import serve_private_file

ORDERS_PER_PAGE = 20


def _order_page(request, number: str, **kwargs) -> str:
    return reverse("checkout:order_detail", kwargs={"number": number})


def _order_list_page(request, **kwargs) -> str:
    return reverse("checkout:order_list")


# --- Presentation helpers -----------------------------------------------------------------


@dataclass
class AmountParts:
    """An amount to transfer, split so the page can highlight its last three digits
    (where a bank transfer's unique code shows): ``head`` + ``tail`` + ``suffix``."""

    head: str
    tail: str
    suffix: str


def amount_parts(order: Order) -> AmountParts:
    text = format_money(order.total, order.currency)
    if not order.unique_code:
        return AmountParts(text, "", "")
    end = len(text)
    while end and not text[end - 1].isdigit():
        end -= 1
    start, digits = end, 0
    while start and digits < 3:
        start -= 1
        if text[start].isdigit():
            digits += 1
        else:
            break
    if digits < 3:
        return AmountParts(text, "", "")
    return AmountParts(text[:start], text[start:end], text[end:])


@dataclass
class TimelineEntry:
    status: str
    label: str
    who: str
    when: datetime
    note: str


def timeline(order: Order, viewer) -> list[TimelineEntry]:
    """``order``'s events (prefetched) with who made each move, as the viewer knows them."""
    entries = []
    for event in order.events.all():
        actor = event.actor
        if actor is None:
            who = _("Automatic")
        elif actor.pk == viewer.pk:
            who = _("You")
        elif actor.pk == order.buyer_id:
            who = _("The buyer (%(name)s)") % {"name": actor.get_username()}
        elif actor.pk == order.store.owner_id:
            who = order.store.name
        else:
            who = _("Etalase staff")
        entries.append(
            TimelineEntry(
                status=event.to_status,
                label=OrderStatus(event.to_status).label if event.to_status in OrderStatus.values else event.to_status,
                who=who,
                when=event.created_at,
                note=event.note,
            )
        )
    return entries


def _buyer_actions(order: Order, viewer) -> dict:
    is_buyer = viewer.pk == order.buyer_id
    pending = order.status == OrderStatus.PENDING_PAYMENT
    return {
        "is_buyer": is_buyer,
        "is_seller": viewer.pk == order.store.owner_id,
        "can_cancel": is_buyer and pending,
        "can_confirm_receipt": is_buyer and order.status == OrderStatus.DELIVERED,
        "can_upload_proof": is_buyer and pending and order.payment_method == PaymentMethod.BANK_TRANSFER,
        "can_pay_card": is_buyer and pending and order.payment_method == PaymentMethod.CARD,
        "awaiting_transfer": pending and order.payment_method == PaymentMethod.BANK_TRANSFER,
    }


def _safe_next(request, default: str) -> str:
    candidate = request.POST.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


# --- Pages --------------------------------------------------------------------------------


@require_GET
@signed_in(_order_list_page)
def placed(request, payment_id: int):
    """Thank you: each order's number, store and total, and how to pay it."""
    payment = selectors.payment_for_buyer(user=request.user, payment_id=payment_id)
    orders = list(payment.orders.all())
    for order in orders:
        order.amount_parts = amount_parts(order)
        order.actions = _buyer_actions(order, request.user)
    return render(
        request,
        "checkout/placed.html",
        {"payment": payment, "orders": orders, "proof_form": TransferProofForm(), "here": request.get_full_path()},
    )


@require_GET
@signed_in(_order_list_page)
def order_list(request):
    page = Paginator(selectors.orders_for_buyer(user=request.user), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "checkout/order_list.html", {"page_obj": page, "orders": page.object_list, "query_without_page": ""}
    )


def _detail(request, order: Order, *, proof_form=None, error: str = "", status: int = 200):
    order.amount_parts = amount_parts(order)
    return render(
        request,
        "checkout/order_detail.html",
        {
            "order": order,
            "lines": list(order.lines.all()),
            "timeline": timeline(order, request.user),
            "actions": _buyer_actions(order, request.user),
            "proof_form": proof_form or TransferProofForm(),
            "error": error,
        },
        status=status,
    )


@require_GET
@signed_in(_order_list_page)
def order_detail(request, number: str):
    return _detail(request, selectors.order_for(user=request.user, number=number))


# --- What the buyer can do ----------------------------------------------------------------


def _act(request, order: Order, action, success: str):
    """Run ``action(order)``; a refusal shows the order again with the reason (400 or 403)."""
    try:
        action(order)
    except PermissionDenied as exc:
        return _detail(request, order, error=str(exc) or _("You cannot do that."), status=403)
    except ValidationError as exc:
        return _detail(request, order, error=" ".join(exc.messages), status=400)
    messages.success(request, success)
    return redirect(_safe_next(request, order.get_absolute_url()))


@require_POST
@signed_in(_order_page)
def order_cancel(request, number: str):
    return _act(
        request,
        selectors.order_for(user=request.user, number=number),
        lambda order: services.cancel_order(order=order, actor=request.user),
        _("Your order is cancelled."),
    )


@require_POST
@signed_in(_order_page)
def order_confirm_receipt(request, number: str):
    return _act(
        request,
        selectors.order_for(user=request.user, number=number),
        lambda order: services.confirm_receipt(order=order, actor=request.user),
        _("Thank you! Your order is complete."),
    )


@require_POST
@signed_in(_order_page)
def order_transfer_proof(request, number: str):
    order = selectors.order_for(user=request.user, number=number)
    form = TransferProofForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, order, proof_form=form, error=_("The proof of transfer was not uploaded."), status=400)
    return _act(
        request,
        order,
        lambda order: services.upload_transfer_proof(order=order, actor=request.user, image=form.cleaned_data["image"]),
        _("Thank you: the seller can now see your proof of transfer."),
    )


@require_GET
def order_transfer_proof_image(request, number: str):
    """The buyer's proof of transfer, for the order's buyer, its store's owner and staff only."""
    return serve_private_file(selectors.transfer_proof_for(user=request.user, number=number))


urlpatterns = [
    path("orders/", order_list, name="order_list"),
    path("orders/placed/<int:payment_id>/", placed, name="placed"),
    path("orders/<str:number>/", order_detail, name="order_detail"),
    path("orders/<str:number>/cancel/", order_cancel, name="order_cancel"),
    path("orders/<str:number>/confirm-receipt/", order_confirm_receipt, name="order_confirm_receipt"),
    path("orders/<str:number>/transfer-proof/", order_transfer_proof, name="order_transfer_proof"),
    path("orders/<str:number>/transfer-proof/image/", order_transfer_proof_image, name="order_transfer_proof_image"),
]
