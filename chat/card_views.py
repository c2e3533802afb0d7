"""Cards the store sends from its thread page: one of its discount codes, and a product found
by searching its catalog (``chat/<pk>/products/``). Both go through ``send_message`` like any
message (idempotent on the form's client id); the card shows the live price and stock."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Product, ProductVariant
from chat import selectors, services
from chat.models import Conversation, Message, Side
from checkout.models import DiscountCode
from social.ratelimit import RateLimited


def usable_codes(store_id: int) -> list[DiscountCode]:
    """The store's codes a shopper could still use (for the "Send a discount code" select)."""
    now = timezone.now()
    codes = DiscountCode.objects.filter(store_id=store_id, is_active=True).exclude(ends_at__lte=now)
    return [
        code for code in codes.order_by("code")[:50] if code.usage_limit is None or code.times_used < code.usage_limit
    ]


def _store_conversation(request, pk: int) -> Conversation:
    from chat.views import _conversation

    conversation = _conversation(request, pk)
    if selectors.side_in(conversation=conversation, user=request.user) != Side.STORE:
        raise PermissionDenied
    return conversation


def _send(request, conversation: Conversation, **card):
    from chat.views import _error

    try:
        services.send_message(
            conversation=conversation,
            sender=request.user,
            client_id=str(request.POST.get("client_id", ""))[:64],
            **card,
        )
    except ValidationError as exc:
        return _error(request, " ".join(exc.messages), 400, reverse("chat:thread", kwargs={"pk": conversation.pk}))
    except PermissionDenied as exc:
        return _error(request, str(exc), 403, reverse("chat:thread", kwargs={"pk": conversation.pk}))
    except RateLimited as exc:
        return _error(request, exc.message, 429, reverse("chat:thread", kwargs={"pk": conversation.pk}))
    return redirect(f"{reverse('chat:thread', kwargs={'pk': conversation.pk})}#composer")


@require_POST
@login_required
def send_discount(request, pk: int):
    conversation = _store_conversation(request, pk)
    return _send(
        request, conversation, kind=Message.Kind.DISCOUNT, discount_code=str(request.POST.get("code", ""))[:30]
    )


@require_POST
@login_required
def send_product(request, pk: int):
    conversation = _store_conversation(request, pk)
    raw = str(request.POST.get("variant", ""))
    variant = None
    if raw.isdigit() and len(raw) < 19:
        variant = ProductVariant.objects.select_related("product").filter(pk=int(raw)).first()
    raw = str(request.POST.get("product", ""))
    product = Product.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 19 else None
    return _send(request, conversation, kind=Message.Kind.PRODUCT, product=product, variant=variant)


@require_GET
@login_required
def product_search(request, pk: int):
    """The store searches its catalog from the thread and sends a product card."""
    conversation = _store_conversation(request, pk)
    query = str(request.GET.get("q", ""))[: selectors.SEARCH_MAX]
    products = selectors.store_catalog(store_id=conversation.store_id, query=query)
    return render(
        request,
        "chat/product_search.html",
        {
            "conversation": conversation,
            "query": query,
            # One client id per result: a double tap sends the card once.
            "results": [(product, uuid.uuid4().hex) for product in products],
        },
    )
