"""What one chat send costs, in this process: CPU, SQL queries and Redis round trips.

Production settings (``DJANGO_ENV=production``: Redis cache and channel layer, persistent
connections) on ``DATABASE_URL`` (a migrated database whose name contains "bench" or
"chatperf"; a few hundred rows are added to it) and ``REDIS_URL``. ``--pairs`` conversations
(default 50), every recipient marked connected as in ``make bench-chat`` (1,000 sockets
open), then ``--sends`` messages (default 200), both sides in turn:

- ``api``: ``POST /api/v1/chat/conversations/<id>/messages/`` with a client id through
  Django's test client (middleware, token, throttles, the view, the service, on-commit
  publish), as gunicorn runs it;
- ``socket``: the consumer's ``send`` frame's synchronous part
  (``chat.live.consumer.send_message_sync``), as daphne's thread runs it.

Prints CPU ms per send (process time, after 20 warm-up sends), the queries and Redis round
trips of one send (the last one, with their SQL), and with ``--profile`` a cProfile
of all the sends (cumulative time).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/etalase_chatperf REDIS_URL=redis://127.0.0.1:6379/10 \\
        .venv/bin/python bench/chat_send_profile.py --path api --profile
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 20


def setup() -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "shop.settings",
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()


class RedisCounter:
    """Counts round trips to Redis (a pipeline is one) from sync and asyncio clients, in any thread."""

    def __init__(self) -> None:
        self.commands: Counter = Counter()
        self.enabled = False

    def install(self) -> None:
        import redis.asyncio.connection as aconn
        import redis.connection as conn

        counter = self

        def wrap(cls, asynchronous: bool):
            original = cls.send_packed_command

            if asynchronous:

                async def send(self, command, *args, **kwargs):
                    counter.count(command)
                    return await original(self, command, *args, **kwargs)

            else:

                def send(self, command, *args, **kwargs):
                    counter.count(command)
                    return original(self, command, *args, **kwargs)

            cls.send_packed_command = send

        wrap(conn.Connection, False)
        wrap(aconn.Connection, True)

    def count(self, command) -> None:
        if not self.enabled:
            return
        chunks = command if isinstance(command, list | tuple) else [command]
        text = b"".join(bytes(chunk) if isinstance(chunk, memoryview) else chunk for chunk in chunks)
        # RESP: *N\r\n$len\r\nNAME\r\n... per command; a pipeline packs several in one write.
        names = []
        for part in text.split(b"*")[1:]:
            lines = part.split(b"\r\n")
            if len(lines) > 2 and lines[0].isdigit() and lines[1].startswith(b"$"):
                names.append(lines[2].decode(errors="replace").upper())
        self.commands["+".join(names) or "?"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", choices=("api", "socket"), default="api")
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--sends", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="cProfile over the sends (cumulative)")
    parser.add_argument("--top", type=int, default=60, help="functions shown with --profile")
    parser.add_argument("--offline", action="store_true", help="recipients not connected (notification rows)")
    args = parser.parse_args()
    database = os.environ.get("DATABASE_URL", "")
    if "bench" not in database and "chatperf" not in database:
        raise SystemExit("DATABASE_URL must name a benchmark database (bench or chatperf in its name)")
    setup()
    redis_counter = RedisCounter()
    redis_counter.install()

    import chat_data
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from chat.live import presence

    pairs = chat_data.live_pairs(args.pairs) if not _existing() else _existing()
    if not args.offline:
        for pair in pairs:
            for user in (pair["shopper"], pair["owner"]):
                presence.mark_connected(user, f"profile.{user}")
    run = secrets.token_hex(3)
    client = Client()

    if args.path == "api":

        def send(number: int, pair: dict, from_shopper: bool) -> None:
            token = pair["shopper_token"] if from_shopper else pair["owner_token"]
            response = client.post(
                f"/api/v1/chat/conversations/{pair['conversation']}/messages/",
                {"client_id": f"profile-{run}-{number}", "body": f"Kak, ready ukuran M? #{number}"},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {token}",
                secure=True,
            )
            if response.status_code != 201:
                raise SystemExit(f"send answered {response.status_code}: {response.content[:300]!r}")

    else:
        from chat.live.consumer import send_message_sync
        from shop.models import User

        users = {
            user.pk: user for user in User.objects.filter(pk__in=[p[s] for p in pairs for s in ("shopper", "owner")])
        }

        def send(number: int, pair: dict, from_shopper: bool) -> None:
            user = users[pair["shopper"] if from_shopper else pair["owner"]]
            answer = send_message_sync(
                user,
                {
                    "type": "send",
                    "conversation": pair["conversation"],
                    "client_id": f"profile-{run}-{number}",
                    "body": f"Kak, ready ukuran M? #{number}",
                },
            )
            if answer.get("type") != "sent":
                raise SystemExit(f"send answered {answer}")

    def one(number: int) -> None:
        pair = pairs[number % len(pairs)]
        send(number, pair, (number // len(pairs)) % 2 == 0)

    for number in range(WARM_UP):
        one(number)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    began_cpu, began = time.process_time(), time.perf_counter()
    for number in range(WARM_UP, WARM_UP + args.sends):
        one(number)
    cpu = (time.process_time() - began_cpu) * 1000 / args.sends
    wall = (time.perf_counter() - began) * 1000 / args.sends
    if profiler:
        profiler.disable()
    redis_counter.enabled = True
    with CaptureQueriesContext(connection) as queries:
        one(WARM_UP + args.sends)
    time.sleep(0.2)  # the publishing loop's thread
    redis_counter.enabled = False
    print(f"path {args.path}: {args.sends} sends, CPU {cpu:.2f} ms per send (process), wall {wall:.2f} ms")
    print(f"queries of one send: {len(queries)}")
    for query in queries.captured_queries:
        print(f"  {query['sql'][:160]}")
    print(f"Redis round trips of one send: {sum(redis_counter.commands.values())} {dict(redis_counter.commands)}")
    if profiler:
        import pstats

        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)


def _existing() -> list[dict]:
    """The pairs this script made before in this database (the same tokens), if any."""
    from rest_framework.authtoken.models import Token

    from chat.models import Conversation

    conversations = list(
        Conversation.objects.filter(store__slug__startswith="live-", shopper__username__startswith="live-shopper-")
        .select_related("store")
        .order_by("pk")
    )
    if not conversations:
        return []
    key = dict(Token.objects.values_list("user_id", "key"))
    return [
        {
            "conversation": c.pk,
            "shopper": c.shopper_id,
            "owner": c.store.owner_id,
            "shopper_token": key[c.shopper_id],
            "owner_token": key[c.store.owner_id],
        }
        for c in conversations
    ]


if __name__ == "__main__":
    main()
