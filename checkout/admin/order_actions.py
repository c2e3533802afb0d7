"""What a seller does to an order from the back office: one ``OrderAction`` per button.

Each action is one service call (``checkout.services`` or ``checkout.payments``): the
service checks that the move is allowed now and that the user may make it, records the
event and tells the other layers. The admin only asks (a confirmation page, a small form)
and reports what the service said.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from checkout import payments, services
from checkout.models import Order, OrderStatus, PaymentMethod

logger = logging.getLogger(__name__)

# --- The small forms on the confirmation pages ----------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Optional. Shown in the order's timeline, to you and to the buyer."),
    )


class NothingToAskForm(forms.Form):
    pass


class ShipForm(forms.Form):
    carrier = forms.CharField(
        label=_("Carrier"),
        max_length=40,
        help_text=_("For example JNE, J&T Express, SiCepat, AnterAja or Pos Indonesia."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "list": "order-carriers"}),
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=60,
        help_text=_("The number on the carrier's receipt (resi): the buyer follows the parcel with it."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    # Offered as suggestions only: any carrier may be typed.
    carriers = ("JNE", "J&T Express", "SiCepat", "AnterAja", "Pos Indonesia", "Ninja Xpress", "GoSend", "GrabExpress")


# --- The actions --------------------------------------------------------------------------


def _confirm_transfer(order: Order, actor, data: dict) -> Order:
    return services.confirm_transfer(order=order, actor=actor, note=data.get("note", ""))


def _ship(order: Order, actor, data: dict) -> Order:
    return services.mark_shipped(
        order=order, actor=actor, carrier=data.get("carrier", ""), tracking_number=data.get("tracking_number", "")
    )


def _deliver(order: Order, actor, data: dict) -> Order:
    return services.mark_delivered(order=order, actor=actor)


def _refuse(order: Order, actor, data: dict) -> Order:
    return services.mark_refused(order=order, actor=actor, note=data.get("note", ""))


def _cancel(order: Order, actor, data: dict) -> Order:
    return services.cancel_order(order=order, actor=actor, note=data.get("note", ""))


def _refund(order: Order, actor, data: dict) -> Order:
    try:
        return payments.refund_order(order=order, actor=actor, note=data.get("note", ""))
    except (PermissionDenied, ValidationError):
        raise
    except Exception as exc:
        # Only a card refund leaves the site (Stripe): when the provider fails, the order
        # is untouched (the refund is recorded after Stripe agreed) and the seller retries.
        if order.payment_method != PaymentMethod.CARD:
            raise
        logger.exception("The card refund of order %s failed", order.number)
        raise ValidationError(
            _("The card payment could not be refunded just now, so nothing was changed. Please try again later."),
            code="provider_failed",
        ) from exc


@dataclass(frozen=True)
class OrderAction:
    slug: str  # in the URL: /admin/checkout/order/<id>/<slug>/
    to_status: str
    label: Promise  # the button
    question: Promise  # the confirmation page's heading
    explanation: Promise  # what will happen
    done: Promise  # the message afterwards; %(number)s is the order's number
    perform: Callable[[Order, object, dict], Order]
    form_class: type[forms.Form] = NoteForm
    methods: frozenset[str] | None = None  # payment methods it is for (None: all the state machine allows)
    dangerous: bool = False

    @property
    def url_name(self) -> str:
        return f"checkout_order_{self.slug.replace('-', '_')}"

    def explanation_for(self, order: Order) -> Promise:
        return self.explanation

    def applies_to(self, order: Order) -> bool:
        """Whether the button is offered for ``order`` as it is now (the service decides on POST)."""
        if self.methods is not None and order.payment_method not in self.methods:
            return False
        return self.to_status in services.next_states(order=order)


class RefundAction(OrderAction):
    def explanation_for(self, order: Order) -> Promise:
        if order.payment_method == PaymentMethod.CARD:
            return _("The buyer's card is refunded the order's whole total through Stripe, and the order is closed.")
        return _(
            "Send the buyer the order's whole total back yourself first (a bank transfer): this records that "
            "you did and closes the order. Units that were not shipped go back on sale."
        )


CONFIRM_TRANSFER = OrderAction(
    slug="confirm-transfer",
    to_status=OrderStatus.PAID,
    label=_("Confirm transfer received"),
    question=_("Has the transfer for order %(number)s arrived in your account?"),
    explanation=_(
        "Check your bank account for a transfer of exactly the order's total (with its unique code). "
        "The order becomes paid and the buyer is told."
    ),
    done=_("The transfer for order %(number)s is confirmed: the order is paid."),
    perform=_confirm_transfer,
    methods=frozenset({PaymentMethod.BANK_TRANSFER}),
)
SHIP = OrderAction(
    slug="ship",
    to_status=OrderStatus.SHIPPED,
    label=_("Mark shipped"),
    question=_("Ship order %(number)s"),
    explanation=_("Enter the carrier and the tracking number: the buyer sees them and can follow the parcel."),
    done=_("Order %(number)s is marked shipped."),
    perform=_ship,
    form_class=ShipForm,
)
DELIVER = OrderAction(
    slug="deliver",
    to_status=OrderStatus.DELIVERED,
    label=_("Mark delivered"),
    question=_("Was order %(number)s delivered?"),
    explanation=_(
        "The parcel reached the buyer. A cash on delivery order counts as paid from now on. "
        "The buyer can confirm receipt; otherwise the order completes by itself after a few days."
    ),
    done=_("Order %(number)s is marked delivered."),
    perform=_deliver,
    form_class=NothingToAskForm,
)
REFUSE = OrderAction(
    slug="refuse",
    to_status=OrderStatus.REFUSED,
    label=_("Refused on delivery"),
    question=_("Did the buyer refuse order %(number)s at the door?"),
    explanation=_("The cash on delivery parcel comes back to you: the order is closed and its units go back on sale."),
    done=_("Order %(number)s is recorded as refused on delivery; its units are back on sale."),
    perform=_refuse,
    methods=frozenset({PaymentMethod.COD}),
    dangerous=True,
)
CANCEL = OrderAction(
    slug="cancel",
    to_status=OrderStatus.CANCELLED,
    label=_("Cancel order"),
    question=_("Cancel order %(number)s?"),
    explanation=_(
        "The order is not paid yet. Cancelling closes it for good, tells the buyer and puts its units back on sale."
    ),
    done=_("Order %(number)s is cancelled; its units are back on sale."),
    perform=_cancel,
    dangerous=True,
)
REFUND = RefundAction(
    slug="refund",
    to_status=OrderStatus.REFUNDED,
    label=_("Refund"),
    question=_("Refund order %(number)s?"),
    explanation=_("The order's whole total goes back to the buyer."),
    done=_("Order %(number)s is refunded."),
    perform=_refund,
    dangerous=True,
)

ORDER_ACTIONS: tuple[OrderAction, ...] = (CONFIRM_TRANSFER, SHIP, DELIVER, REFUSE, CANCEL, REFUND)


def form_errors_from(exc: ValidationError, form: forms.Form) -> bool:
    """Put a service's errors about ``form``'s own fields on the form. False if it had none."""
    if not hasattr(exc, "error_dict") or not set(exc.error_dict) <= set(form.fields):
        return False
    for field, errors in exc.error_dict.items():
        form.add_error(field, errors)
    return True
