"""The chat benchmark's client side: one asyncio loop, aiohttp, 2 sockets per conversation.

``RealChat`` drives the site as its clients do: each person's socket at ``/ws/chat/``
authenticated by their API token (subprotocols ``etalase.v1`` and ``token.<key>``), messages
sent with ``POST /api/v1/chat/conversations/<id>/messages/`` (a client id each) to gunicorn,
or with the socket's own ``send`` frame (answered ``sent``),
the recipient's receipt being the socket's ``message`` event. What a socket missed is fetched
with the socket's ``resync`` at the end, from the last id that socket had before the gap.

``BareChat`` drives ``bench/chat_bare.py``: the message goes over the sender's socket and the
recipient's receipt is the relayed event; nothing is fetched again.

Latency is measured from the moment a message was due (open loop: a slow server is not given
a slower client), to its arrival on the recipient's socket.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field

import aiohttp

CONNECT_AT_ONCE = 50
# Requests in flight at most: past it, sends wait in the client (their latency still counts from
# when they were due) rather than in the server's accept queue, where a request its client gave
# up on would still be served.
HTTP_CONNECTIONS = 64
SETTLE_QUIET = 1.0  # a step is over when nothing arrived for this long after the last send
SETTLE_MAX = 15.0
# How long a bare step waits for the consumer to insert what was sent before the next step.
DRAIN_MAX = 120.0
# A step stops sending when this many seconds' worth of its messages wait for an answer.
BACKLOG_SECONDS = 3


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


@dataclass
class Socket:
    user: int
    ws: aiohttp.ClientWebSocketResponse
    got: dict = field(default_factory=dict)  # message id (or cid) -> arrival (monotonic)
    replies: asyncio.Queue = field(default_factory=asyncio.Queue)
    closed: bool = False


@dataclass
class Sent:
    due: float
    conversation: int
    sender: int
    recipient: int
    key: int | None = None  # message id (real) or cid (bare), once known
    status: int = 0
    done: float = 0.0


class Harness:
    """What both drivers share: the sockets, the open-loop schedule, the step's figures."""

    def __init__(self, pairs: list[dict]):
        self.pairs = pairs
        self.sockets: dict[int, Socket] = {}
        self.readers: list[asyncio.Task] = []
        self.last_arrival = 0.0

    async def open_sockets(self, session: aiohttp.ClientSession, count: int | None = None) -> float:
        """Open the sockets of the first ``count`` pairs (all by default); returns seconds."""
        began = time.monotonic()
        gate = asyncio.Semaphore(CONNECT_AT_ONCE)
        people = [(pair[side], pair) for pair in self.pairs[:count] for side in ("shopper", "owner")]

        async def one(user, pair):
            async with gate:
                ws = await self.connect(session, user, pair)
            socket = Socket(user=user, ws=ws)
            self.sockets[user] = socket
            self.readers.append(asyncio.create_task(self.read(socket)))

        await asyncio.gather(*(one(user, pair) for user, pair in people))
        return time.monotonic() - began

    async def close_sockets(self) -> None:
        await asyncio.gather(*(socket.ws.close() for socket in self.sockets.values()), return_exceptions=True)
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        self.sockets.clear()
        self.readers.clear()

    async def read(self, socket: Socket) -> None:
        async for frame in socket.ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            now = time.monotonic()
            data = json.loads(frame.data)
            if data.get("type") == "message":
                socket.got.setdefault(self.event_key(data), now)
                self.last_arrival = now
            elif data.get("type") == "sent" or (data.get("type") == "error" and data.get("client_id")):
                self.answered(data)
            elif data.get("type") in ("messages", "error"):
                socket.replies.put_nowait(data)
        socket.closed = True

    async def drain(self) -> None:
        """Wait until the server has taken every message sent (the real path's sends are
        answered requests: nothing left)."""

    def answered(self, data: dict) -> None:
        """A ``sent`` or ``error`` answer to a ``send`` frame (the real path over the socket)."""

    async def run_step(self, rate: float, seconds: float, cpu) -> dict:
        """Send ``rate`` messages a second for ``seconds``, spread over every conversation
        and both sides in turn; wait for the sockets to go quiet; return the step's figures."""
        count = int(rate * seconds)
        sent: list[Sent] = []
        tasks = []
        cpu_before = cpu()
        start = time.monotonic() + 0.05
        stopped = None
        for k in range(count):
            if k % 50 == 0 and sum(1 for task in tasks if not task.done()) > BACKLOG_SECONDS * rate:
                stopped = round(time.monotonic() - start, 1)  # saturated: no use piling up more
                break
            pair = self.pairs[k % len(self.pairs)]
            from_shopper = (k // len(self.pairs)) % 2 == 0
            sender, recipient = (pair["shopper"], pair["owner"]) if from_shopper else (pair["owner"], pair["shopper"])
            item = Sent(due=start + k / rate, conversation=pair["conversation"], sender=sender, recipient=recipient)
            sent.append(item)
            delay = item.due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.send(item, pair, from_shopper)))
        lag = time.monotonic() - sent[-1].due  # how far behind its schedule the client itself fell
        await asyncio.gather(*tasks)
        await self.drain()
        sends_done = max(item.done for item in sent)
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < SETTLE_MAX:
            await asyncio.sleep(0.2)
            if time.monotonic() - max(self.last_arrival, sends_done) >= SETTLE_QUIET:
                break
        cpu_after = cpu()
        figures = self.figures(rate, seconds, start, sent, sends_done, lag, cpu_before, cpu_after)
        figures["stopped_after_s"] = stopped
        return figures

    def figures(self, rate, seconds, start, sent, sends_done, lag, cpu_before, cpu_after) -> dict:
        accepted = [item for item in sent if item.key is not None]
        latencies, missed, own_missed = [], 0, 0
        for item in accepted:
            arrived = self.sockets[item.recipient].got.get(item.key)
            if arrived is None:
                missed += 1
            else:
                latencies.append((arrived - item.due) * 1000)
            if item.key not in self.sockets[item.sender].got:
                own_missed += 1
        answered = [(item.done - item.due) * 1000 for item in accepted]
        statuses: dict[str, int] = {}
        for item in sent:
            if item.key is None:
                statuses[str(item.status)] = statuses.get(str(item.status), 0) + 1
        elapsed = max(len(sent) / rate, sends_done - start)
        wall = cpu_after["wall"] - cpu_before["wall"]
        return {
            "rate": rate,
            "seconds": seconds,
            "due": len(sent),  # fewer than rate x seconds when the step stopped early
            "accepted": len(accepted),
            "refused_or_failed": statuses,
            "achieved_per_second": round(len(accepted) / elapsed, 1),
            "client_lag_ms": round(max(0.0, lag) * 1000, 1),
            "latency_p50_ms": _round(statistics.median(latencies) if latencies else None),
            "latency_p99_ms": _round(percentile(latencies, 0.99)),
            "latency_max_ms": _round(max(latencies) if latencies else None),
            "send_answered_p50_ms": _round(statistics.median(answered) if answered else None),
            "send_answered_p99_ms": _round(percentile(answered, 0.99)),
            "missed_on_recipient_socket": missed,
            "missed_on_senders_own_socket": own_missed,
            "cpu_percent": {
                name: round(100 * (cpu_after[name] - cpu_before[name]) / wall, 1)
                for name in cpu_after
                if name != "wall"
            },
            "cpu_ms_per_message": {
                name: round(1000 * (cpu_after[name] - cpu_before[name]) / max(1, len(accepted)), 2)
                for name in cpu_after
                if name != "wall"
            },
        }


def _round(value):
    return None if value is None else round(value, 1)


class RealChat(Harness):
    """``send_over``: "api" (``POST .../messages/`` to gunicorn) or "socket" (the ``send``
    frame on the sender's own socket, answered with ``sent``)."""

    def __init__(self, pairs, ws_url: str, http_url: str | None, run: str, send_over: str = "api"):
        super().__init__(pairs)
        self.ws_url, self.http_url, self.run, self.send_over = ws_url, http_url, run, send_over
        self.http: aiohttp.ClientSession | None = None
        self.token = {}
        for pair in pairs:
            self.token[pair["shopper"]] = pair["shopper_token"]
            self.token[pair["owner"]] = pair["owner_token"]
        self.number = 0
        self.waiting: dict[str, asyncio.Future] = {}

    def event_key(self, data: dict):
        return data.get("message")

    async def connect(self, session, user, pair):
        return await session.ws_connect(
            self.ws_url + "/ws/chat/",
            protocols=("etalase.v1", f"token.{self.token[user]}"),
            autoping=True,
            heartbeat=None,
            max_msg_size=0,
        )

    def answered(self, data: dict) -> None:
        future = self.waiting.pop(data["client_id"], None)
        if future is not None and not future.done():
            future.set_result(data)

    async def send(self, item: Sent, pair: dict, from_shopper: bool) -> None:
        self.number += 1
        body = {"client_id": f"bench-{self.run}-{self.number}", "body": f"Kak, ready ukuran M? #{self.number}"}
        if self.send_over == "socket":
            await self.send_on_socket(item, body)
        else:
            await self.send_on_api(item, body)
        item.done = time.monotonic()

    async def send_on_socket(self, item: Sent, body: dict) -> None:
        future = asyncio.get_running_loop().create_future()
        self.waiting[body["client_id"]] = future
        try:
            await self.sockets[item.sender].ws.send_json({"type": "send", "conversation": item.conversation, **body})
            answer = await asyncio.wait_for(future, timeout=60)
        except (TimeoutError, aiohttp.ClientError, ConnectionError) as exc:
            self.waiting.pop(body["client_id"], None)
            item.status = type(exc).__name__
            return
        if answer["type"] == "sent":
            item.status, item.key = 201, answer["message"]
        else:
            item.status = answer.get("code", "error")

    async def send_on_api(self, item: Sent, body: dict) -> None:
        headers = {
            "Authorization": f"Token {self.token[item.sender]}",
            "X-Forwarded-Proto": "https",  # what the TLS proxy in front of gunicorn sets
        }
        try:
            async with self.http.post(
                f"{self.http_url}/api/v1/chat/conversations/{item.conversation}/messages/", json=body, headers=headers
            ) as response:
                item.status = response.status
                if response.status == 201:
                    item.key = (await response.json())["id"]
                else:
                    await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            item.status = type(exc).__name__

    async def resync(self, committed: dict[int, list[tuple[int, int]]]) -> dict:
        """For every socket and conversation: the messages of the other party that the socket
        missed, fetched with ``resync`` from the last id the socket had before the first gap
        (as a client that saw the thread up to there). ``committed``: conversation -> [(id,
        sender)] from the database."""
        missing_total, recovered, lost, frames = 0, 0, 0, 0

        async def one(socket: Socket, conversation: int, rows: list[tuple[int, int]]):
            nonlocal missing_total, recovered, lost, frames
            missing = sorted(mid for mid, sender in rows if sender != socket.user and mid not in socket.got)
            if not missing:
                return
            missing_total += len(missing)
            before = [mid for mid, _sender in rows if mid < missing[0] and mid in socket.got]
            after = max(before, default=0)
            fetched: set[int] = set()
            while True:
                await socket.ws.send_json({"type": "resync", "conversation": conversation, "after": after})
                frames += 1
                reply = await asyncio.wait_for(socket.replies.get(), timeout=30)
                if reply.get("type") != "messages":
                    raise SystemExit(f"resync answered {reply}")
                fetched.update(message["id"] for message in reply["messages"])
                if not reply["has_more"] or not reply["messages"]:
                    break
                after = reply["messages"][-1]["id"]
            recovered += len(set(missing) & fetched)
            lost += len(set(missing) - fetched)

        by_user: dict[int, list] = {}
        for pair in self.pairs:
            rows = committed.get(pair["conversation"], [])
            for user in (pair["shopper"], pair["owner"]):
                by_user.setdefault(user, []).append((pair["conversation"], rows))

        async def per_socket(user, jobs):  # one resync at a time on a socket, sockets in parallel
            for conversation, rows in jobs:
                await one(self.sockets[user], conversation, rows)

        await asyncio.gather(*(per_socket(user, jobs) for user, jobs in by_user.items()))
        return {
            "missed_on_the_socket": missing_total,
            "recovered_by_resync": recovered,
            "lost_after_resync": lost,
            "resync_frames": frames,
        }


class BareChat(Harness):
    def __init__(self, pairs, ws_url: str, count_rows):
        super().__init__(pairs)
        self.ws_url = ws_url
        self.count_rows = count_rows  # rows the consumer inserted so far (a blocking call)
        self.number = 0

    async def drain(self) -> None:
        """Frames not processed yet wait in daphne: a step ends when the consumer has inserted
        every message sent (at most DRAIN_MAX seconds), so the next one starts from nothing."""
        deadline = time.monotonic() + DRAIN_MAX
        while time.monotonic() < deadline and await asyncio.to_thread(self.count_rows) < self.number:
            await asyncio.sleep(0.5)

    def event_key(self, data: dict):
        return data.get("cid")

    async def connect(self, session, user, pair):
        return await session.ws_connect(
            f"{self.ws_url}/ws/bare/?user={user}", autoping=True, heartbeat=None, max_msg_size=0
        )

    async def send(self, item: Sent, pair: dict, from_shopper: bool) -> None:
        self.number += 1
        cid = self.number
        try:
            await self.sockets[item.sender].ws.send_json(
                {"conversation": item.conversation, "to": item.recipient, "cid": cid, "body": f"Ready kak? #{cid}"}
            )
            item.key, item.status = cid, 201
        except (aiohttp.ClientError, ConnectionError) as exc:
            item.status = type(exc).__name__
        item.done = time.monotonic()

    def lost(self, committed: list[tuple[int, int]]) -> dict:
        """``committed``: (cid, recipient) of the rows the bare consumer inserted."""
        missing = sum(1 for cid, recipient in committed if cid not in self.sockets[recipient].got)
        return {"committed": len(committed), "lost": missing}


def http_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=HTTP_CONNECTIONS),
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=60),
    )


def ws_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=None))
