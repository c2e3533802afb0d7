"""The chat socket at ``/ws/chat/``: one per browser tab, for all of the user's conversations.

The socket joins the user's group (``chat.live.events``) and relays what is published there.
A client may send JSON frames (``type`` plus fields):

- ``typing`` {conversation}: the other party sees "typing…" (relayed at most once every
  ``TYPING_EVERY`` seconds per conversation, never stored).
- ``resync`` {conversation, after}: answered with ``messages`` {conversation, messages,
  has_more}: the messages after the id ``after``, oldest first, through the same selector
  as ``GET /api/v1/chat/conversations/<id>/messages/?after=`` (ask again while has_more).
- ``read`` {conversation, up_to}: marks the conversation read, answered with ``read_state``
  {conversation, last_read_id, unread}; both parties' sockets get the ``read`` event.
- ``send`` {conversation, client_id, body}: sends a text message through the same service as
  the API and the pages (``chat.services.send_message``: permission, blocks, rate limit,
  idempotency on the client id), answered with ``sent`` {conversation, client_id, message}
  (the message's id; a retry with the same client id gets the same id, nothing is sent
  twice) or ``error`` {client_id, code, detail}: code ``not_found`` (not the sender's
  conversation), ``forbidden`` (blocked), ``invalid`` (the client id or the body),
  ``rate_limited``. Both parties' sockets then get the ``message`` event, as for any send.
  Pictures and cards are sent over HTTP.
- ``ping`` {}: answered with ``pong``; keeps the socket counted as connected
  (``chat.live.presence``: who is connected gets no in-app notification of a message).

Every frame is checked on its own: the conversation must be the user's (looked up through
``selectors.conversation_for``, as the pages and the API do), else ``error`` {code:
"not_found"}; a frame that is not a JSON object of a known type gets ``error`` {code:
"bad_frame"}; fields of the wrong kind ``error`` {code: "invalid", detail}. Nothing a client
sends closes the socket or reaches another user's conversation.
"""

from __future__ import annotations

import json
import time

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from chat import selectors, services
from chat.api.serializers import MessageSerializer
from chat.live import events, presence
from chat.live.auth import PROTOCOL
from chat.models import BODY_MAX, Side
from chat.services import rules
from shop.cursors import BadCursor
from social.ratelimit import RateLimited

# A frame larger than this is refused unread: room for a message's body (BODY_MAX characters,
# each at most 6 once JSON-escaped) and its fields. Pictures and cards go over HTTP.
FRAME_MAX = BODY_MAX * 6 + 1024
TYPING_EVERY = 2.0
RESYNC_LIMIT = 100
# Close code for a socket nobody logged in to (4000-4999 are the application's own).
UNAUTHENTICATED = 4401


class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=UNAUTHENTICATED)
            return
        self.user = user
        self.group = events.user_group(user.pk)
        self.typing_sent: dict[int, float] = {}
        await self.channel_layer.group_add(self.group, self.channel_name)
        offered = self.scope.get("subprotocols") or []
        await self.accept(subprotocol=PROTOCOL if PROTOCOL in offered else None)
        # The channel's name is unique to this socket: the user's other tabs are other entries.
        await sync_to_async(presence.mark_connected)(user.pk, self.channel_name)
        self.heard_at = time.monotonic()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await sync_to_async(presence.mark_disconnected)(self.user.pk, self.channel_name)

    async def heard_from_client(self) -> None:
        """Any frame shows the socket is alive: its presence is refreshed (at most every
        ``presence.REFRESH_EVERY`` seconds, so typing does not write to the cache per key)."""
        now = time.monotonic()
        if now - self.heard_at >= presence.REFRESH_EVERY:
            self.heard_at = now
            await sync_to_async(presence.mark_connected)(self.user.pk, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        await self.heard_from_client()
        if text_data is None or len(text_data) > FRAME_MAX:
            await self.error("bad_frame", _("Send a JSON object of at most %(n)d characters.") % {"n": FRAME_MAX})
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.error("bad_frame", _("This frame is not JSON."))
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        handlers = {"typing": self.typing, "resync": self.resync, "read": self.read, "send": self.send_message}
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
            return
        if not isinstance(kind, str) or kind not in handlers:
            types = ", ".join([*handlers, "ping"])
            await self.error("bad_frame", _("Send one of these types: %(types)s.") % {"types": types})
            return
        conversation_id = _number(content.get("conversation"))
        if conversation_id is None:
            extra = {"client_id": content.get("client_id")} if kind == "send" else {}
            await self.error("invalid", _("Send the conversation's id."), field="conversation", **extra)
            return
        await handlers[kind](conversation_id, content)

    # --- What a client sends ----------------------------------------------------------------------

    async def typing(self, conversation_id: int, content: dict) -> None:
        now = time.monotonic()
        if now - self.typing_sent.get(conversation_id, 0.0) < TYPING_EVERY:
            return  # still shown on the other side: nothing to relay, and nothing to check
        found = await self.conversation_and_side(conversation_id)
        if found is None:
            return
        conversation, side, blocked = found
        if blocked:
            return  # no messages either way, so nobody is typing one
        self.typing_sent[conversation_id] = now
        other = Side.STORE if side == Side.SHOPPER else Side.SHOPPER
        event = {"type": "typing", "conversation": conversation_id, "side": side}
        for user_id in events.side_people(conversation, other):
            await self.channel_layer.group_send(
                events.user_group(user_id), {"type": events.GROUP_EVENT, "event": event}
            )

    async def resync(self, conversation_id: int, content: dict) -> None:
        after = content.get("after", 0)
        if _number(after, minimum=0) is None:
            await self.error("invalid", _("Send the id of the last message you have (0 for none)."), field="after")
            return
        found = await self.conversation_and_side(conversation_id)
        if found is None:
            return
        conversation, side, _blocked = found
        try:
            messages, has_more = await self.messages_after(conversation, side, after)
        except BadCursor:
            await self.error("invalid", _("Send the id of the last message you have (0 for none)."), field="after")
            return
        await self.send_json(
            {"type": "messages", "conversation": conversation_id, "messages": messages, "has_more": has_more}
        )

    async def read(self, conversation_id: int, content: dict) -> None:
        up_to = _number(content.get("up_to"), minimum=0)
        if up_to is None:
            await self.error("invalid", _("Send the id of the last message read."), field="up_to")
            return
        found = await self.conversation_and_side(conversation_id)
        if found is None:
            return
        try:
            state = await database_sync_to_async(services.mark_read)(
                conversation=found[0], reader=self.user, up_to_message_id=up_to
            )
        except (ValidationError, PermissionDenied) as exc:
            await self.error("invalid", " ".join(getattr(exc, "messages", [str(exc)])), field="up_to")
            return
        await self.send_json(
            {
                "type": "read_state",
                "conversation": conversation_id,
                "last_read_id": state.last_read_id,
                "unread": state.unread,
            }
        )

    async def send_message(self, conversation_id: int, content: dict) -> None:
        # Not thread-sensitive: sends from many sockets run in the loop's thread pool side by
        # side (each thread with its own connection), not one after another in one thread.
        answer = await database_sync_to_async(send_message_sync, thread_sensitive=False)(self.user, content)
        await self.send_json(answer)

    # --- What the server publishes (chat.live.events) ------------------------------------------

    async def chat_event(self, message: dict) -> None:
        await self.send_json(message["event"])

    # --- Helpers ----------------------------------------------------------------------------------

    async def error(self, code: str, detail: str, **extra) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail, **extra})

    async def conversation_and_side(self, conversation_id: int):
        """(conversation, the user's side, whether either side blocked the other), or None
        after answering ``not_found``: the same answer whether it exists or is someone else's."""
        found = await database_sync_to_async(_conversation_and_side)(self.user, conversation_id)
        if found is None:
            await self.error("not_found", _("No such conversation."), conversation=conversation_id)
        return found

    @database_sync_to_async
    def messages_after(self, conversation, side: str, after: int) -> tuple[list[dict], bool]:
        page = selectors.thread_messages(conversation=conversation, after=after, limit=RESYNC_LIMIT)
        data = MessageSerializer(page.items, many=True, context={"request": None, "viewer": self.user, "side": side})
        return data.data, page.has_more


def _conversation_and_side(user, conversation_id: int):
    conversation = selectors.conversation_for(user=user, pk=conversation_id)
    if conversation is None:
        return None
    blocked = bool(rules.blocked_by(store_id=conversation.store_id, shopper_id=conversation.shopper_id))
    return conversation, selectors.side_in(conversation=conversation, user=user), blocked


def send_message_sync(user, content: dict) -> dict:
    """The ``send`` frame's work (in a thread: ``database_sync_to_async``), as the answer to
    send back: ``sent``, or ``error`` with the service's reason. ``content["conversation"]``
    is a valid id (``receive_json`` checked it)."""
    client_id = content.get("client_id")
    answer_id = client_id if isinstance(client_id, str) else None
    try:
        message, _created = services.send_message(
            conversation=content["conversation"], sender=user, client_id=client_id, body=content.get("body")
        )
    except services.NotInConversation:
        return _send_error(answer_id, "not_found", _("No such conversation."))
    except PermissionDenied as exc:
        return _send_error(answer_id, "forbidden", str(exc))
    except ValidationError as exc:
        return _send_error(answer_id, "invalid", " ".join(exc.messages))
    except RateLimited as exc:
        return _send_error(answer_id, "rate_limited", exc.message)
    return {"type": "sent", "conversation": message.conversation_id, "client_id": client_id, "message": message.pk}


def _send_error(client_id: str | None, code: str, detail: str) -> dict:
    return {"type": "error", "client_id": client_id, "code": code, "detail": detail}


def _number(value, *, minimum: int = 1) -> int | None:
    """An id sent as a JSON integer (not a bool, not a string), within the database's range."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    if not minimum <= value <= selectors.MAX_ID:
        return None
    return value
