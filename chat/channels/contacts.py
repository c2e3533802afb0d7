"""People who write to a store from WhatsApp or Telegram, and their conversation with it.

Each is a ``ChannelContact`` of the store with a ``shop.User`` of their own that cannot log in
(inactive, unusable password, no email): the inbox, unread counts, labels and the store's
replies work on it as on any shopper, and no site feature lists it (they list active users).
"""

from __future__ import annotations

from datetime import datetime

import phonenumbers
from django.db import IntegrityError, transaction
from django.db.models import Q

from chat.channels.choices import Channel
from chat.channels.models import ChannelContact
from chat.models import Conversation
from shop.models import User

DEFAULT_REGION = "ID"  # a number written without its country code is Indonesian


def normalise_phone(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """``raw`` in E.164 ("+6281234567890"), or "" when it is not a possible number. A WhatsApp
    id is the number with its country code and no "+"; a number starting with 0 is read in
    ``region``."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    digits = "".join(ch for ch in raw if ch.isdigit())
    candidate = raw if raw.startswith(("+", "0")) else f"+{digits}"
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def ensure_contact(*, store_id: int, channel: str, external_id: str, name: str = "", phone: str = "") -> ChannelContact:
    """The store's contact for this provider id, made with its user the first time. Two events
    of a new person at once: the unique key keeps one, the other finds it."""
    contact = (
        ChannelContact.objects.select_related("user")
        .filter(store_id=store_id, channel=channel, external_id=external_id)
        .first()
    )
    if contact is not None:
        if name and name != contact.display_name:
            ChannelContact.objects.filter(pk=contact.pk).update(display_name=name[:150])
            User.objects.filter(pk=contact.user_id).update(first_name=name[:150])
            contact.display_name = contact.user.first_name = name[:150]
        return contact
    prefix = "wa" if channel == Channel.WHATSAPP else "tg"
    try:
        with transaction.atomic():
            user = User(username=f"{prefix}-{store_id}-{external_id}"[:150], first_name=name[:150], is_active=False)
            user.set_unusable_password()
            user.save()
            return ChannelContact.objects.create(
                store_id=store_id,
                channel=channel,
                external_id=external_id,
                phone=phone,
                display_name=name[:150],
                user=user,
            )
    except IntegrityError:
        return ChannelContact.objects.select_related("user").get(
            store_id=store_id, channel=channel, external_id=external_id
        )


def conversation_of(contact: ChannelContact) -> Conversation:
    """The contact's one conversation with the store, started on their channel."""
    conversation, _created = Conversation.objects.get_or_create(
        store_id=contact.store_id, shopper=contact.user, defaults={"channel": contact.channel}
    )
    return conversation


def note_inbound(contact: ChannelContact, at: datetime) -> None:
    """The contact wrote at ``at`` (the provider's time): the window opens from the newest."""
    ChannelContact.objects.filter(pk=contact.pk).filter(
        Q(last_inbound_at__isnull=True) | Q(last_inbound_at__lt=at)
    ).update(last_inbound_at=at)
