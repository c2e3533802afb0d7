"""Helpers of the assistant's tests: a store with an assistant, and a shopper's message sent
through the real service with its on-commit work (the assistant's task, run eagerly) done."""

from datetime import time, timedelta

from django.utils import timezone

from chat.assistant.models import AssistantSettings, OpeningHours
from chat.models import Message
from tests.chat.factories import conversation, say
from tests.factories import CheckoutSettingsFactory, StoreFactory


def assistant_store(**settings):
    """A store that ships for Rp20.000 (free from Rp500.000), takes transfers (BCA) and cash up
    to Rp1.000.000, with an assistant (no greeting or away message unless given)."""
    store = StoreFactory(name="Toko Batik Sari")
    CheckoutSettingsFactory(store=store)
    AssistantSettings.objects.create(store=store, **settings)
    return store


def open_all_day_today(store):
    today = timezone.localtime(timezone.now()).weekday()  # TIME_ZONE is Asia/Jakarta
    OpeningHours.objects.create(store=store, weekday=today, opens=time(0), closes=time(0))


def closed_now(store):
    """Open only on a day three days from today (Jakarta), so closed now."""
    other = (timezone.localtime(timezone.now()) + timedelta(days=3)).weekday()
    OpeningHours.objects.create(store=store, weekday=other, opens=time(9), closes=time(17))


def ask(chat, text, capture, **kwargs) -> list[Message]:
    """The shopper sends ``text``; returns the assistant's messages that followed."""
    with capture(execute=True):
        sent = say(chat, chat.shopper, text, **kwargs)
    return list(Message.objects.filter(conversation=chat, id__gt=sent.pk, is_automated=True).order_by("id"))


def assistant_chat(store=None, **context):
    return conversation(store=store or assistant_store(), **context)
