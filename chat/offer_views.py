"""Offers on the thread page: the store's "Send an offer" form and withdrawing an offer.

The shopper's "Buy" on an offer card is a link to the normal checkout page with the offer as
its source (``/checkout/?source=offer:12``): checkout prices it from the stored terms.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalog.models import Product, ProductVariant
from chat import selectors, services
from chat.models import CLIENT_ID_MAX, OFFER_NOTE_MAX, Conversation, Offer
from checkout.pricing import MAX_LINE_QUANTITY
from shop.fields import MoneyFormField

FORM_LINES = 3  # lines in the page's form (the API takes up to OFFER_LINES_MAX)
VARIANT_CHOICES_MAX = 300
VALIDITY_CHOICES = [
    ("1", gettext_lazy("1 hour")),
    ("6", gettext_lazy("6 hours")),
    ("24", gettext_lazy("1 day")),
    ("72", gettext_lazy("3 days")),
    ("168", gettext_lazy("7 days")),
]


def variant_choices(store_id: int) -> list[tuple[str, str]]:
    """The store's variants on sale, for the form's selects (one query, bounded)."""
    variants = (
        ProductVariant.objects.filter(product__store_id=store_id, product__status=Product.Status.ACTIVE)
        .select_related("product")
        .order_by("product__title", "id")[:VARIANT_CHOICES_MAX]
    )
    return [("", "—")] + [
        (str(variant.pk), f"{variant.product.title} ({variant.label})" if variant.options else variant.product.title)
        for variant in variants
    ]


class OfferForm(forms.Form):
    client_id = forms.CharField(max_length=CLIENT_ID_MAX, widget=forms.HiddenInput)
    discount = MoneyFormField(label=gettext_lazy("Discount off the total"), required=False)
    shipping = MoneyFormField(
        label=gettext_lazy("Shipping"),
        required=False,
        help_text=gettext_lazy("Leave empty for your store's normal shipping."),
    )
    valid_for = forms.ChoiceField(label=gettext_lazy("Valid for"), choices=VALIDITY_CHOICES, initial="24")
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=OFFER_NOTE_MAX)

    def __init__(self, *args, store_id: int, **kwargs):
        kwargs.setdefault("auto_id", "offer-%s")  # the composer beside it has its own client_id
        super().__init__(*args, **kwargs)
        choices = variant_choices(store_id)
        for index in range(FORM_LINES):
            self.fields[f"variant_{index}"] = forms.ChoiceField(
                label=_("Product %(number)d") % {"number": index + 1}, choices=choices, required=index == 0
            )
            self.fields[f"quantity_{index}"] = forms.IntegerField(
                label=_("Quantity"), min_value=1, max_value=MAX_LINE_QUANTITY, initial=1, required=False
            )
            self.fields[f"price_{index}"] = MoneyFormField(label=_("Special price (optional)"), required=False)

    def line_fields(self):
        return [(self[f"variant_{i}"], self[f"quantity_{i}"], self[f"price_{i}"]) for i in range(FORM_LINES)]

    def lines(self) -> list[services.OfferLineInput]:
        data = self.cleaned_data
        return [
            services.OfferLineInput(
                variant_id=int(data[f"variant_{i}"]),
                quantity=data.get(f"quantity_{i}") or 1,
                unit_price=data.get(f"price_{i}"),
            )
            for i in range(FORM_LINES)
            if data.get(f"variant_{i}")
        ]


def offer_form(conversation: Conversation, data=None, lines: dict | None = None) -> OfferForm:
    """``lines``: initial values of the line fields (a cart shared through WhatsApp)."""
    return OfferForm(data, store_id=conversation.store_id, initial={"client_id": uuid.uuid4().hex, **(lines or {})})


def _thread_url(conversation: Conversation) -> str:
    return reverse("chat:thread", kwargs={"pk": conversation.pk})


@require_POST
@login_required
def send_offer(request, pk: int):
    from chat.views import REFUSALS, _conversation, _thread_page, refusal

    conversation = _conversation(request, pk)
    form = offer_form(conversation, request.POST)
    if not form.is_valid():
        return _thread_page(request, conversation, offer_form=form, status=400)
    data = form.cleaned_data
    try:
        services.send_offer(
            conversation=conversation,
            sender=request.user,
            client_id=data["client_id"],
            lines=form.lines(),
            discount=data.get("discount") or 0,
            shipping=data.get("shipping"),
            valid_until=timezone.now() + timedelta(hours=int(data["valid_for"])),
            note=data.get("note", ""),
        )
    except REFUSALS as exc:
        message, status = refusal(exc)
        form.add_error(None, message)
        return _thread_page(request, conversation, offer_form=form, status=status)
    return redirect(f"{_thread_url(conversation)}#composer")


@require_POST
@login_required
def withdraw_offer(request, offer_id: int):
    offer = get_object_or_404(Offer.objects.select_related("conversation"), pk=offer_id)
    if selectors.conversation_for(user=request.user, pk=offer.conversation_id) is None:
        raise Http404(_("No such offer."))
    try:
        services.withdraw_offer(offer=offer, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The offer was withdrawn."))
    return redirect(_thread_url(offer.conversation))
