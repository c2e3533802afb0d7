"""Chat's test helpers: conversations opened and messages sent through the real services."""

import itertools
import uuid

from chat import services
from chat.models import Conversation, Message
from tests.factories import ProductFactory, StoreFactory, UserFactory

_client_ids = itertools.count(1)


def client_id() -> str:
    return f"test-{next(_client_ids)}-{uuid.uuid4().hex[:8]}"


def conversation(*, shopper=None, store=None, **context) -> Conversation:
    """A conversation opened by ``shopper`` with ``store`` (both made when not given)."""
    return services.open_conversation(shopper=shopper or UserFactory(), store=store or StoreFactory(), **context)


def say(conversation: Conversation, sender, body: str = "Ready kak?", **kwargs) -> Message:
    """``sender`` sends a text (or ``kind=...``) into ``conversation`` with a fresh client id."""
    message, _created = services.send_message(
        conversation=conversation,
        sender=sender,
        client_id=kwargs.pop("client_id", None) or client_id(),
        body=body,
        **kwargs,
    )
    return message


def store_says(conversation: Conversation, body: str = "Ready kak, silakan diorder.", **kwargs) -> Message:
    return say(conversation, conversation.store.owner, body, **kwargs)


def refreshed(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_related("store__owner", "shopper").get(pk=conversation.pk)


def store_with_chats(count: int):
    """A store with ``count`` conversations (every other one answered, so read) and a thread of
    ``count`` more messages in the first, every third a product card, both sides writing:
    what the query-budget tests compare at two sizes. Returns (store, that conversation)."""
    store = StoreFactory()
    product = ProductFactory(store=store)
    chats = [conversation(shopper=UserFactory(), store=store) for _ in range(count)]
    for n, chat in enumerate(chats):
        say(chat, chat.shopper, f"Pertanyaan {n}")
        if n % 2:
            store_says(chat)
    thread = chats[0]
    for n in range(count):
        if n % 3 == 2:
            store_says(thread, "", kind="product", product=product)
        else:
            say(thread, thread.shopper if n % 2 else store.owner, f"Pesan {n}")
    return store, thread
