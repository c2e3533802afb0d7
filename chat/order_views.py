"""The store acts on an order card in its thread: confirm a bank transfer, or mark the order
shipped with its carrier and tracking number. The same checkout services as the back office
(``confirm_transfer``, ``mark_shipped``), so the same rules: only the store's seller (403),
only from a state that allows it (409 with the reason). The API has them already, under
``/api/v1/store/orders/{number}/confirm-transfer/`` and ``.../ship/``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chat.models import Conversation, Side
from checkout import services as checkout_services
from checkout.exceptions import IllegalTransition
from checkout.models import Order, OrderStatus, PaymentMethod


def order_actions(order: Order | None, *, side: str) -> list[str]:
    """What the store can do on this order card now: "confirm_transfer", "ship"."""
    if order is None or side != Side.STORE:
        return []
    actions = []
    if order.payment_method == PaymentMethod.BANK_TRANSFER and checkout_services.can_transition(
        order=order, to_status=OrderStatus.PAID
    ):
        actions.append("confirm_transfer")
    if checkout_services.can_transition(order=order, to_status=OrderStatus.SHIPPED):
        actions.append("ship")
    return actions


def _order(request, pk: int, number: str) -> tuple[Conversation, Order]:
    from chat.views import _conversation

    conversation = _conversation(request, pk)
    order = (
        Order.objects.select_related("store")
        .filter(number=number[:20], store_id=conversation.store_id, buyer_id=conversation.shopper_id)
        .first()
    )
    if order is None:
        raise Http404(_("No such order in this chat."))
    return conversation, order


def _act(request, pk: int, number: str, action) -> object:
    from chat.views import _error

    conversation, order = _order(request, pk, number)
    back = reverse("chat:thread", kwargs={"pk": conversation.pk})
    try:
        action(order)
    except IllegalTransition as exc:
        return _error(request, " ".join(exc.messages), 409, back)
    except ValidationError as exc:
        return _error(request, " ".join(exc.messages), 400, back)
    except PermissionDenied as exc:
        return _error(request, str(exc) or _("Only the store's seller can do this."), 403, back)
    messages.success(request, _("Order %(number)s: %(status)s.") % {"number": order.number, "status": _status(order)})
    return redirect(f"{back}#composer")


def _status(order: Order) -> str:
    order.refresh_from_db(fields=["status"])
    return order.get_status_display()


@require_POST
@login_required
def confirm_transfer(request, pk: int, number: str):
    return _act(request, pk, number, lambda order: checkout_services.confirm_transfer(order=order, actor=request.user))


@require_POST
@login_required
def ship(request, pk: int, number: str):
    carrier = str(request.POST.get("carrier", ""))[:40]
    tracking_number = str(request.POST.get("tracking_number", ""))[:60]
    return _act(
        request,
        pk,
        number,
        lambda order: checkout_services.mark_shipped(
            order=order, actor=request.user, carrier=carrier, tracking_number=tracking_number
        ),
    )
