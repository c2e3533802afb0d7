"""The channels on the chat's pages: the mark of a WhatsApp or Telegram conversation, the
24-hour window and the seller's approved templates on the thread page, and sending one."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from chat.channels import click_to_chat, rules, services
from chat.channels.choices import Channel
from chat.channels.models import ChannelTemplate
from chat.models import Conversation, Side
from chat.selectors import side_in


def thread_context(conversation: Conversation, side: str | None) -> dict:
    """What the thread page shows of the channel (two small queries, for WhatsApp only)."""
    if conversation.channel != Channel.WHATSAPP or side != Side.STORE:
        return {"channel_window_open": True, "channel_templates": []}
    window_open = rules.window_open(conversation)
    templates = [
        (template, range(1, rules.placeholders(template.body) + 1), uuid.uuid4().hex)
        for template in ChannelTemplate.objects.filter(store_id=conversation.store_id, is_active=True)
    ]
    return {
        "channel_window_open": window_open,
        "channel_window_closes": rules.window_closes_at(conversation),
        "channel_templates": templates,
    }


@require_POST
@login_required
def send_template(request, pk: int):
    """The seller sends an approved WhatsApp template, filled in (the thread's form)."""
    from chat.views import REFUSALS, refusal

    conversation = get_object_or_404(Conversation.objects.select_related("store__owner", "shopper"), pk=pk)
    if side_in(conversation=conversation, user=request.user) != Side.STORE:
        return redirect("chat:thread", pk=conversation.pk)
    values = [request.POST.get(f"param{n}", "") for n in range(1, 11)]
    template = ChannelTemplate.objects.filter(pk=str(request.POST.get("template", ""))[:18] or 0).first()
    wanted = rules.placeholders(template.body) if template else 0
    try:
        services.send_template(
            conversation=conversation,
            sender=request.user,
            client_id=str(request.POST.get("client_id", "")),
            template_id=request.POST.get("template"),
            params=values[:wanted],
        )
    except REFUSALS as exc:
        message, _status = refusal(exc)
        messages.error(request, " ".join(message) if isinstance(message, list) else message)
    return redirect(f"{reverse('chat:thread', kwargs={'pk': conversation.pk})}#composer")


@login_required
def whatsapp_cart(request, token: str):
    """A cart a shopper sent through "Order via WhatsApp", for the store's owner: the lines at
    today's prices, and "Make an offer" (POST), which opens the chat with the offer form filled in."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.http import Http404
    from django.shortcuts import render

    try:
        cart = click_to_chat.read_cart(token=token, seller=request.user)
    except ValidationError as exc:
        return render(request, "social/error.html", {"message": " ".join(exc.messages), "status": 400}, status=400)
    except PermissionDenied:
        raise Http404 from None
    if request.method == "POST":
        try:
            conversation = click_to_chat.conversation_for_cart(cart=cart, seller=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
            return redirect("chat:whatsapp_cart", token=token)
        return redirect(f"{reverse('chat:thread', kwargs={'pk': conversation.pk})}?offer_cart={token}#offer")
    return render(request, "chat/whatsapp_cart.html", {"cart": cart, "token": token})


def offer_initial(request, conversation: Conversation, side: str | None) -> dict:
    """The offer form's lines from a shared cart (``?offer_cart=``) for this chat's store."""
    from django.core.exceptions import PermissionDenied, ValidationError

    token = request.GET.get("offer_cart")
    if not token or side != Side.STORE:
        return {}
    try:
        cart = click_to_chat.read_cart(token=token, seller=request.user)
    except (ValidationError, PermissionDenied):
        return {}
    if cart.store.pk != conversation.store_id or cart.shopper is None or cart.shopper.pk != conversation.shopper_id:
        return {}
    return click_to_chat.offer_lines(cart)


def whatsapp_updates_form(sender: object, *, request, order=None, **_kwargs) -> str:
    """On the buyer's order page (``checkout.signals.order_page_shown``): get this and later orders' updates on WhatsApp
    (shown when the order's store sends updates there)."""
    from django.template.loader import render_to_string

    from chat.channels.models import WhatsAppConnection, WhatsAppOrderUpdates

    user = request.user
    if order is None or not user.is_authenticated or order.buyer_id != user.pk:
        return ""
    if not WhatsAppConnection.objects.filter(store_id=order.store_id, is_active=True).exists():
        return ""
    if not ChannelTemplate.objects.filter(store_id=order.store_id, is_active=True).exclude(purpose="").exists():
        return ""
    choice = WhatsAppOrderUpdates.objects.filter(user=user).first()
    return render_to_string(
        "chat/on_pages/whatsapp_updates.html", {"choice": choice, "next": request.get_full_path()}, request=request
    )


@require_POST
@login_required
def whatsapp_updates(request):
    """Turn order updates on WhatsApp on (with a number) or off, then back to the order."""
    from django.core.exceptions import ValidationError
    from django.utils.http import url_has_allowed_host_and_scheme
    from django.utils.translation import gettext as _

    from chat.channels import order_updates

    if request.POST.get("on") == "1":
        try:
            order_updates.opt_in(user=request.user, phone=str(request.POST.get("phone", ""))[:40])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your order updates will also come on WhatsApp."))
    else:
        order_updates.opt_out(user=request.user)
        messages.success(request, _("No more order updates on WhatsApp."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("checkout:order_list")
    return redirect(target)
