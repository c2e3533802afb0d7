"""What the server publishes to the chat sockets, and to whom.

Each user's sockets (one per open tab) join the group ``user.<id>``. After a message or a read
is committed, ``chat.signals`` call the handlers below, which publish a small event to the
groups of both parties: the shopper and the people who answer for the store. The event names
the conversation and the message; the client fetches what it shows over HTTP or with
``resync`` (the database is the truth). Publishing never fails the request that committed:
with the layer down the event is lost and the client's next resync fetches the message.

Events (``type``):

- ``message``: ``conversation``, ``message`` (its id), ``side`` (who sent it), ``kind``.
- ``read``: ``conversation``, ``side`` (who read), ``last_read_id``. A store that turned read
  receipts off is not reported to its shoppers (only to its own sockets).
- ``typing``: ``conversation``, ``side``: relayed from the other party's socket, never stored.
- ``message.updated``: ``conversation``, ``message`` (its id): a card in the thread changed
  (its offer was bought, withdrawn or expired; its order was paid, shipped, delivered,
  cancelled...). The client fetches that one message again (``chat:message``).
- ``buyer.cart``: ``conversation``: the shopper's cart lines from the conversation's store
  changed (``checkout.signals.cart_changed``). Only to the store's people: a thread open on
  their side fetches the buyer panel's cart again (chat:buyer_cart). Never to the shopper.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from chat import selectors
from chat.models import Conversation, Side

logger = logging.getLogger(__name__)

# What a consumer's handler for group events is called (``chat_event``).
GROUP_EVENT = "chat.event"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def store_people(conversation: Conversation) -> list[int]:
    """The users who answer for the conversation's store (its owner, today)."""
    return [conversation.store.owner_id]


def side_people(conversation: Conversation, side: str) -> list[int]:
    return [conversation.shopper_id] if side == Side.SHOPPER else store_people(conversation)


def _run_sync(coroutine_function, *args) -> None:
    """``async_to_sync``, also from a thread whose event loop is running (a sync view called
    from async code in the same thread, as a test driving a browser does): there the call runs
    in a thread of its own, since asgiref refuses to block a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(coroutine_function)(*args)
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(async_to_sync(coroutine_function), *args).result()


class _PublishingLoop:
    """One event loop per process, in a thread of its own, that publishes for sync code.

    From a gunicorn worker (no event loop anywhere), ``async_to_sync`` starts a thread and a
    loop for every call, and channels-redis opens a Redis connection for each new loop and
    closes it with the loop: about a third of the CPU a message's request took. This loop
    lives as long as the process, so its connection is reused. Made on first use, and again
    in a forked child (the thread does not survive a fork)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.pid = 0

    def get(self) -> asyncio.AbstractEventLoop:
        with self.lock:
            if self.loop is None or self.pid != os.getpid():
                self.loop = asyncio.new_event_loop()
                threading.Thread(target=self.loop.run_forever, name="chat-publish", daemon=True).start()
                self.pid = os.getpid()
            return self.loop


_publishing = _PublishingLoop()
# How long a request waits for Redis to take its events before it logs and goes on.
PUBLISH_TIMEOUT = 5.0


async def _group_send_all(layer, user_ids, event: dict) -> None:
    # Once each, all at once: each group_send is three round trips to Redis, which overlap.
    await asyncio.gather(
        *(
            layer.group_send(user_group(user_id), {"type": GROUP_EVENT, "event": event})
            for user_id in dict.fromkeys(user_ids)
        )
    )


def publish(user_ids, event: dict) -> None:
    """Send ``event`` to every socket of these users. Logs and returns when the channel layer
    cannot take it: the socket only notifies, and resync fetches what it missed.

    The in-memory layer (one process, no Redis) belongs to the server's own loop, so it is
    called through ``async_to_sync``; any other layer through the process's publishing loop."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if isinstance(layer, InMemoryChannelLayer):
            _run_sync(_group_send_all, layer, user_ids, event)
            return
        future = asyncio.run_coroutine_threadsafe(_group_send_all(layer, user_ids, event), _publishing.get())
        try:
            future.result(timeout=PUBLISH_TIMEOUT)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise
    except Exception:  # a Redis outage must not turn a committed send into an error page
        logger.warning("chat: could not publish %s event to the sockets", event.get("type"), exc_info=True)


def message_sent(sender, *, message, **kwargs) -> None:
    conversation = message.conversation
    publish(
        [conversation.shopper_id, *store_people(conversation)],
        {
            "type": "message",
            "conversation": conversation.pk,
            "message": message.pk,
            "side": message.sender_side,
            "kind": message.kind,
        },
    )


def conversation_read(sender, *, conversation, side: str, last_read_id: int, **kwargs) -> None:
    readers = side_people(conversation, side)
    others = side_people(conversation, Side.STORE if side == Side.SHOPPER else Side.SHOPPER)
    if side == Side.STORE and not selectors.read_receipts_on(store=conversation.store):
        others = []  # the store's sockets still hear it: their unread counts changed
    publish(
        [*readers, *others],
        {"type": "read", "conversation": conversation.pk, "side": side, "last_read_id": last_read_id},
    )


def message_updated(sender, *, message, **kwargs) -> None:
    conversation = message.conversation
    publish(
        [conversation.shopper_id, *store_people(conversation)],
        {"type": "message.updated", "conversation": conversation.pk, "message": message.pk},
    )


def buyer_cart_changed(sender, *, cart, store_ids, **kwargs) -> None:
    """Checkout says (on commit) that a shopper's cart lines from these stores changed: each
    of those stores' people who chat with the shopper hears it (one query for the lot)."""
    conversations = Conversation.objects.filter(shopper_id=cart.user_id, store_id__in=store_ids).select_related("store")
    for conversation in conversations:
        publish(store_people(conversation), {"type": "buyer.cart", "conversation": conversation.pk})


def connect() -> None:
    """Called from ``ChatConfig.ready()``."""
    from chat import signals
    from checkout import signals as checkout_signals

    signals.message_sent.connect(message_sent, dispatch_uid="chat.live.message_sent")
    signals.conversation_read.connect(conversation_read, dispatch_uid="chat.live.conversation_read")
    signals.message_updated.connect(message_updated, dispatch_uid="chat.live.message_updated")
    # The buyer panel's cart, live (checkout never imports chat: it sends, chat listens).
    checkout_signals.cart_changed.connect(buyer_cart_changed, dispatch_uid="chat.live.buyer_cart_changed")
