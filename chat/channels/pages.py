"""The channels on the chat's pages: the mark of a WhatsApp or Telegram conversation, the
24-hour window and the seller's approved templates on the thread page, and sending one."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from chat.channels import rules, services
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
    if side_in(conversation, request.user) != Side.STORE:
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
