"""WhatsApp webhook intake and processing, on PostgreSQL and Redis, through the real path.

1. Intake. gunicorn (``--workers`` sync workers) serves the site as deployed (``DJANGO_ENV=
   production``: persistent database connections, the Redis cache, the whole middleware stack,
   requests arriving through the TLS proxy's ``X-Forwarded-Proto``); an open-loop client (aiohttp)
   posts signed WhatsApp deliveries, each one text message with its own wamid, at ``--rate``
   a second for ``--duration`` seconds. Each answer's time is measured from the moment the
   request was due (so a server falling behind shows in the figures instead of slowing the
   client down). No worker runs: the answer covers verifying, storing the event once and
   handing its task to Redis, nothing more. p50/p90/p99/max and the rate actually sent, and
   the CPU time each side used per delivery (gunicorn's processes, PostgreSQL's backends that
   served them, the client), which the machine's other load changes far less than the times.

2. Processing. Then one Celery worker (``--pool=solo``: one process, one event at a time) is
   started on the queued events: events processed a second, from its first to its last
   ``processed_at`` (the worker's start-up is not counted), each one a contact looked up, a
   message sent through ``chat.services.send_message`` into the store's inbox.

3. The same event posted ``--copies`` times at once (all requests in flight together) while the
   worker runs: every answer must be 200, and it must make one event row and one message; and
   how long after it was stored the (idle) worker had processed it.

The database (default postgres://postgres@127.0.0.1:5432/etalase_bench_webhooks) is created
afresh (its name must contain "bench"), migrated, and dropped at the end (``--keep`` keeps
it). Redis: ``--redis-url`` (default redis://127.0.0.1:6379/10); its Celery queue is purged.

    make bench-webhooks
    .venv/bin/python bench/webhook_bench.py --rate 100 --duration 10

``--intake-only`` stops after 1 (to compare intake runs side by side quickly).

Results are printed and saved as JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from notifications_bench import celery_worker  # bench/ is the script's folder: on sys.path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/etalase_bench_webhooks"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"
APP_SECRET = "bench-meta-app-secret"
PHONE_NUMBER_ID = "106540352242922"
SENDERS = 200  # customers writing (a conversation each)
TICKS = os.sysconf("SC_CLK_TCK")


def _env(database_url: str, redis_url: str) -> dict:
    return dict(
        os.environ,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="0",
        DJANGO_SETTINGS_MODULE="shop.settings",
        # As deployed: persistent database connections (CONN_MAX_AGE 60), HTTPS behind a proxy.
        DJANGO_ENV="production",
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DEBUG="0",
        LOG_LEVEL="ERROR",
        WHATSAPP_APP_SECRET=APP_SECRET,
        WHATSAPP_VERIFY_TOKEN="bench",
        # Recorded events would go to Redis at the end of each request: not what is measured here.
        EVENTS_REDIS_URL="",
    )


def _django(database_url: str, redis_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(_env(database_url, redis_url))
    import django

    django.setup()


def _server_args(database_url: str) -> tuple[list[str], str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(f"the webhook benchmark needs PostgreSQL, not {parts.scheme}")
    if "bench" not in name:
        raise SystemExit(f"refusing {name!r}: the benchmark drops its database, so its name must contain 'bench'")
    return [
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
    ], name


def create_database(database_url: str, redis_url: str) -> None:
    server, name = _server_args(database_url)
    subprocess.run(["dropdb", *server, "--if-exists", name], check=True)
    subprocess.run(["createdb", *server, name], check=True)
    env = _env(database_url, redis_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def drop_database(database_url: str) -> None:
    server, name = _server_args(database_url)
    subprocess.run(["dropdb", *server, "--if-exists", name], check=True)


def prepare() -> None:
    """A store with its WhatsApp number connected (untimed)."""
    from catalog import services as catalog
    from chat.channels.models import WhatsAppConnection
    from shop.models import User

    owner = User.objects.create_user(username="bench-seller", email="seller@bench.invalid")
    store = catalog.open_store(owner=owner, name="Toko Bench", slug="toko-bench")
    WhatsAppConnection.objects.create(
        store=store, phone_number_id=PHONE_NUMBER_ID, display_number="+62 811 0000 1111", access_token="bench-token"
    )


def free_low_port() -> int:
    for port in range(21000, 32000, 7):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port")


# --- Payloads ------------------------------------------------------------------------------


def delivery(n: int, text: str = "Kak, batik tulis motif parang masih ready? 🙏") -> bytes:
    sender = f"62812{n % SENDERS:08d}"
    message = {
        "from": sender,
        "id": f"wamid.BENCH{n:010d}==",
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": text},
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "6281100001111", "phone_number_id": PHONE_NUMBER_ID},
                            "contacts": [{"profile": {"name": f"Pelanggan {n % SENDERS}"}, "wa_id": sender}],
                            "messages": [message],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(payload, ensure_ascii=False).encode()


def signed(body: bytes) -> dict:
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": signature,
        "X-Forwarded-Proto": "https",  # what the TLS proxy in front of gunicorn sets
    }


# --- CPU accounting -----------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _backend_pids(database_url: str) -> list[int]:
    """PostgreSQL backends connected to the benchmark's database (asked from another database,
    so that this connection is not one of them)."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]).fetchall()
    return [row[0] for row in rows]


class CpuMeter:
    """CPU seconds used between ``start()`` and ``stop()`` by gunicorn (master and workers),
    the PostgreSQL backends connected to the database (persistent connections: with
    CONN_MAX_AGE 0 each request's backend has gone before it is counted), and this process."""

    def __init__(self, gunicorn_pid: int, database_url: str) -> None:
        self.gunicorn_pid, self.database_url = gunicorn_pid, database_url

    def _sample(self) -> dict:
        gunicorn = [self.gunicorn_pid, *_children(self.gunicorn_pid)]
        backends = _backend_pids(self.database_url)
        own = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "gunicorn": {pid: _cpu_seconds(pid) for pid in gunicorn},
            "postgres": {pid: _cpu_seconds(pid) for pid in backends},
            "client": own.ru_utime + own.ru_stime,
        }

    def start(self) -> None:
        self.before = self._sample()

    def stop(self, requests: int) -> dict:
        after = self._sample()

        def used(side: str) -> float:
            return sum(seconds - self.before[side].get(pid, 0.0) for pid, seconds in after[side].items())

        per = 1000 / requests
        return {
            "gunicorn_ms": round(used("gunicorn") * per, 2),
            "postgres_ms": round(used("postgres") * per, 2),
            "client_ms": round((after["client"] - self.before["client"]) * per, 2),
        }


# --- 1. Intake ----------------------------------------------------------------------------------


async def open_loop(url: str, rate: int, duration: float, first: int, meter: CpuMeter | None = None) -> dict:
    import aiohttp

    total = int(rate * duration)
    bodies = [delivery(first + n) for n in range(total)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(body: bytes, due: float) -> None:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            async with session.post(url, data=body, headers=signed(body)) as response:
                await response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1
            latencies.append(time.perf_counter() - due)

        # A short warm-up (gunicorn workers' first requests import and connect).
        for n in range(20):
            warm = delivery(10_000_000 + n)
            async with session.post(url, data=warm, headers=signed(warm)) as response:
                await response.read()
        if meter is not None:
            meter.start()
        start = time.perf_counter() + 0.2
        await asyncio.gather(*(one(body, start + n / rate) for n, body in enumerate(bodies)))
        elapsed = time.perf_counter() - start
        cpu = meter.stop(total) if meter is not None else {}
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    return {
        "events": total,
        "target_rate": rate,
        "achieved_rate": round(total / elapsed, 1),
        "statuses": statuses,
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1] * 1000, 2),
        "mean_ms": round(statistics.mean(latencies) * 1000, 2),
        "cpu_per_delivery": cpu,
    }


# --- 2. The worker ------------------------------------------------------------------------------


def start_worker(env: dict, log) -> subprocess.Popen:
    return celery_worker("bench-webhooks", env=env, log=log, pool="solo")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_processed(expected: int, timeout: float) -> None:
    from chat.channels.models import WebhookEvent

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if WebhookEvent.objects.filter(processed_at__isnull=False).count() >= expected:
            return
        time.sleep(0.5)
    raise SystemExit(f"the worker processed fewer than {expected} events in {timeout} s")


def processing_figures() -> dict:
    from django.db.models import Count, Max, Min

    from chat.channels.models import WebhookEvent
    from chat.models import Message

    figures = WebhookEvent.objects.filter(processed_at__isnull=False).aggregate(
        first=Min("processed_at"), last=Max("processed_at"), events=Count("id")
    )
    seconds = (figures["last"] - figures["first"]).total_seconds()
    return {
        "events": figures["events"],
        "seconds": round(seconds, 2),
        "events_per_second": round((figures["events"] - 1) / seconds, 1) if seconds else None,
        "errors": WebhookEvent.objects.exclude(error="").count(),
        "messages": Message.objects.count(),
    }


# --- 3. One event, many copies at once -----------------------------------------------------------


async def copies_at_once(url: str, copies: int) -> dict:
    import aiohttp

    body = delivery(99_999_999, "Sama persis, dikirim berkali-kali 🙏")
    statuses: dict[int, int] = {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=copies)) as session:
        gate = asyncio.Event()

        async def one() -> None:
            await gate.wait()
            async with session.post(url, data=body, headers=signed(body)) as response:
                await response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1

        tasks = [asyncio.create_task(one()) for _ in range(copies)]
        await asyncio.sleep(0.1)
        gate.set()
        await asyncio.gather(*tasks)
    return {"copies": copies, "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_WEBHOOKS_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--rate", type=int, default=200, help="deliveries a second")
    parser.add_argument("--duration", type=float, default=15, help="seconds of intake")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--copies", type=int, default=100, help="copies of one event posted at once")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--intake-only", action="store_true", help="stop after the intake's figures")
    args = parser.parse_args()

    create_database(args.database_url, args.redis_url)
    _django(args.database_url, args.redis_url)
    from chat.channels.models import WebhookEvent
    from chat.models import Message
    from shop.celery import app

    prepare()
    app.control.purge()
    env = _env(args.database_url, args.redis_url)
    port = free_low_port()
    url = f"http://127.0.0.1:{port}/channels/whatsapp/webhook/"
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "shop.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    results: dict = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),  # a shared machine: say how busy it was
        "args": vars(args),
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 (the worker writes into it until the end)
    worker = None
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.2)
        meter = CpuMeter(gunicorn.pid, args.database_url)
        intake = asyncio.run(open_loop(url, args.rate, args.duration, first=0, meter=meter))
        results["intake"] = intake
        cpu = intake["cpu_per_delivery"]
        print(
            f"Intake: {intake['events']} signed deliveries at {intake['achieved_rate']}/s (target {args.rate}/s), "
            f"{args.workers} gunicorn workers, no Celery worker: p50 {intake['p50_ms']} ms, p90 {intake['p90_ms']} ms, "
            f"p99 {intake['p99_ms']} ms, max {intake['max_ms']} ms; answers {intake['statuses']}; CPU per delivery: "
            f"gunicorn {cpu['gunicorn_ms']} ms, PostgreSQL {cpu['postgres_ms']} ms, client {cpu['client_ms']} ms"
        )
        results["load_average_after_intake"] = os.getloadavg()
        print(
            f"Load average (1, 5, 15 min) before {results['load_average_before']}, "
            f"after intake {results['load_average_after_intake']}"
        )
        if not args.intake_only:
            stored = WebhookEvent.objects.count()
            worker = start_worker(env, log)
            wait_processed(stored, timeout=max(120, stored))
            processing = processing_figures()
            results["processing"] = processing
            print(
                f"Processing: one worker (solo pool) processed {processing['events']} events "
                f"in {processing['seconds']} s: {processing['events_per_second']} events/s; "
                f"{processing['messages']} messages, {processing['errors']} errors"
            )
            before = WebhookEvent.objects.count()
            copies = asyncio.run(copies_at_once(url, args.copies))
            wait_processed(before + 1, timeout=60)
            time.sleep(1)
            copies["events_stored"] = WebhookEvent.objects.filter(event_id="wamid.BENCH0099999999==").count()
            # How promptly a delivery reaches the idle worker: stored -> processed.
            event = WebhookEvent.objects.get(event_id="wamid.BENCH0099999999==")
            copies["processed_after_ms"] = round((event.processed_at - event.received_at).total_seconds() * 1000, 1)
            copies["messages_made"] = Message.objects.filter(body="Sama persis, dikirim berkali-kali 🙏").count()
            results["copies"] = copies
            print(
                f"The same event posted {args.copies} times at once: answers {copies['statuses']}, "
                f"{copies['events_stored']} event stored, {copies['messages_made']} message made, processed "
                f"{copies['processed_after_ms']} ms after it was stored"
            )
            if copies["events_stored"] != 1 or copies["messages_made"] != 1:
                raise SystemExit("FAILED: the same event made more (or less) than one message")
            results["load_average_after"] = os.getloadavg()
            print(
                f"Load average (1, 5, 15 min) before {results['load_average_before']}, "
                f"after {results['load_average_after']}"
            )
    finally:
        if worker is not None:
            stop(worker)
        stop(gunicorn)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.database_url)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"webhooks-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"Saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
