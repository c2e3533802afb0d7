"""What a store may send into a WhatsApp or Telegram conversation, checked by the chat
services under the conversation's lock.

WhatsApp's customer service window: a business may write freely for 24 hours after the
customer's last message; after that only a template Meta approved, which the seller picks
(``ChannelTemplate``) and fills in. Telegram has no such rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.channels.choices import EXTERNAL, Channel
from chat.channels.models import ChannelContact, ChannelTemplate

WINDOW = timedelta(hours=24)
TEMPLATE_PARAM_MAX = 200
PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")

# Cards a customer outside the site can act on are sent as text with a link; an offer needs an
# Etalase account to be bought, so it is not sent to them.
NOT_FOR_CHANNELS = ("offer",)


@dataclass(frozen=True)
class TemplateChoice:
    """An approved template and the values of its ``{{1}}``, ``{{2}}``... in order."""

    template: ChannelTemplate
    params: list[str] = field(default_factory=list)

    def render(self) -> str:
        return PLACEHOLDER.sub(lambda match: self.params[int(match.group(1)) - 1], self.template.body)


def placeholders(body: str) -> int:
    """How many parameters a template body takes (its highest ``{{n}}``)."""
    return max((int(number) for number in PLACEHOLDER.findall(body)), default=0)


def template_choice(*, store_id: int, template_id, params) -> TemplateChoice:
    """The store's active template ``template_id`` with exactly its parameters, or a
    ``ValidationError`` saying what is missing."""
    try:
        template = ChannelTemplate.objects.get(pk=int(template_id), store_id=store_id, is_active=True)
    except (TypeError, ValueError, ChannelTemplate.DoesNotExist):
        raise ValidationError({"template": _("Choose one of your store's approved templates.")}) from None
    if not isinstance(params, list | tuple) or not all(isinstance(value, str) for value in params):
        raise ValidationError({"params": _("Fill in the template's values as text.")})
    values = [value.strip() for value in params]
    wanted = placeholders(template.body)
    if len(values) != wanted or not all(values):
        raise ValidationError({"params": _("This template needs %(n)d value(s), each filled in.") % {"n": wanted}})
    if any(len(value) > TEMPLATE_PARAM_MAX or "\x00" in value for value in values):
        raise ValidationError({"params": _("Each value is at most %(n)d characters.") % {"n": TEMPLATE_PARAM_MAX}})
    return TemplateChoice(template=template, params=values)


def is_channel_customer(*, conversation, side: str) -> bool:
    return side == "shopper" and conversation.channel in EXTERNAL


def window_closes_at(conversation):
    """When the WhatsApp window of ``conversation`` closes (None: never opened)."""
    last = (
        ChannelContact.objects.filter(store_id=conversation.store_id, user_id=conversation.shopper_id)
        .values_list("last_inbound_at", flat=True)
        .first()
    )
    return last + WINDOW if last else None


def window_open(conversation) -> bool:
    if conversation.channel != Channel.WHATSAPP:
        return True
    closes = window_closes_at(conversation)
    return closes is not None and closes > timezone.now()


def check_outgoing(*, conversation, side: str, template: TemplateChoice | None, kind: str) -> None:
    """Refuse what the store may not send into ``conversation`` (caller holds its lock)."""
    if conversation.channel not in EXTERNAL:
        if template is not None:
            raise ValidationError({"template": _("Templates are for WhatsApp conversations.")})
        return
    if side != "store":
        if template is not None:
            raise ValidationError({"template": _("Only the store sends templates.")})
        return
    if kind in NOT_FOR_CHANNELS:
        raise ValidationError(
            _("Offers are bought with an Etalase account; send this customer products or a message instead.")
        )
    if template is not None:
        if conversation.channel != Channel.WHATSAPP:
            raise ValidationError({"template": _("Templates are for WhatsApp conversations.")})
        if template.template.store_id != conversation.store_id:
            raise ValidationError({"template": _("Choose one of your store's approved templates.")})
        return
    if not window_open(conversation):
        raise ValidationError(
            {
                "body": ValidationError(
                    _(
                        "WhatsApp lets a store write freely only within 24 hours of the customer's last "
                        "message. Choose an approved template to write to them again."
                    ),
                    code="window_closed",
                )
            }
        )
