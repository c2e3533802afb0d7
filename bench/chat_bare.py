"""The bare Channels consumer that ``bench/chat_bench.py`` measures beside the real chat socket.

What a minimal chat would be: no authentication (the user id is in the query string), no
permission check, no unread counts or notifications. A client sends ``{"conversation", "to",
"cid", "body"}`` over its socket; the consumer INSERTs the row (``bench_bare_message``, made by
the benchmark) and relays ``{"id", "cid", "conversation"}`` through the channel layer to the
groups of both parties. Nothing is fetched again: what the layer drops is lost.

Served by the same daphne and the same Redis channel layer (``shop.settings``) as the site:

    daphne -b 127.0.0.1 -p 8002 chat_bare:application     # with bench/ on PYTHONPATH
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
django.setup()

from channels.db import database_sync_to_async  # noqa: E402  (after Django's set-up)
from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import path  # noqa: E402

TABLE = "bench_bare_message"
CREATE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id bigserial PRIMARY KEY,
    conversation integer NOT NULL,
    sender integer NOT NULL,
    recipient integer NOT NULL,
    cid bigint NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
)
"""


@database_sync_to_async
def insert(conversation: int, sender: int, recipient: int, cid: int, body: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (conversation, sender, recipient, cid, body)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING id",
            [conversation, sender, recipient, cid, body],
        )
        return cursor.fetchone()[0]


class BareConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        query = self.scope.get("query_string", b"").decode()
        self.user_id = int(dict(part.split("=", 1) for part in query.split("&") if "=" in part)["user"])
        await self.channel_layer.group_add(f"bare.{self.user_id}", self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(f"bare.{self.user_id}", self.channel_name)

    async def receive_json(self, content, **kwargs):
        row = await insert(content["conversation"], self.user_id, content["to"], content["cid"], content["body"])
        event = {"type": "bare.message", "id": row, "cid": content["cid"], "conversation": content["conversation"]}
        for user_id in (self.user_id, content["to"]):
            await self.channel_layer.group_send(f"bare.{user_id}", event)

    async def bare_message(self, event):
        await self.send_json({"type": "message", "id": event["id"], "cid": event["cid"]})


application = ProtocolTypeRouter({"websocket": URLRouter([path("ws/bare/", BareConsumer.as_asgi())])})
