"""The store's writes about its channels: registering its Telegram bot's webhook and sending
an approved WhatsApp template once the 24-hour window has closed."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.channels import providers
from chat.channels.models import TelegramConnection
from chat.channels.rules import template_choice
from chat.models import Conversation, Message
from shop.models import User


def telegram_webhook_url() -> str:
    return settings.SITE_URL + reverse("chat:telegram_webhook")


def register_telegram_webhook(*, connection: TelegramConnection) -> TelegramConnection:
    """Point the store's bot at our webhook with a new secret token (``setWebhook``), after
    checking the bot token (``getMe``). The token itself is never stored, only its hash; a
    second registration replaces the first (the old token stops working). Raises
    ``ValidationError`` with the provider's reason when Telegram refuses."""
    secret = providers.new_secret_token()
    try:
        me = providers.telegram_call(token=connection.bot_token, method="getMe", payload={})
        providers.telegram_call(
            token=connection.bot_token,
            method="setWebhook",
            payload={
                "url": telegram_webhook_url(),
                "secret_token": secret,
                "allowed_updates": ["message", "callback_query"],
                "drop_pending_updates": False,
            },
        )
    except providers.ProviderError as exc:
        raise ValidationError(_("Telegram refused the webhook: %(reason)s") % {"reason": exc}) from None
    with transaction.atomic():
        TelegramConnection.objects.filter(pk=connection.pk).update(
            secret_token_hash=providers.secret_token_hash(secret),
            webhook_registered_at=timezone.now(),
            bot_username=str((me or {}).get("username") or "")[:64],
        )
    connection.refresh_from_db()
    return connection


def send_template(
    *, conversation: Conversation, sender: User, client_id: str, template_id: int, params: list[str]
) -> tuple[Message, bool]:
    """The store writes to a WhatsApp customer with one of its approved templates, filled in:
    allowed outside the 24-hour window. The message shows in the thread as the text sent."""
    from chat.services.messages import send_message

    choice = template_choice(store_id=conversation.store_id, template_id=template_id, params=params)
    return send_message(
        conversation=conversation, sender=sender, client_id=client_id, body=choice.render(), template=choice
    )
