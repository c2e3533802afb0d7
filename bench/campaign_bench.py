"""Campaigns at scale on PostgreSQL and Redis, with production settings (``DJANGO_ENV=production``:
DEBUG off, persistent database connections, Redis cache).

1. Sending. A store with ``--recipients`` mailable contacts (generated set-based) and one
   campaign of about 20 kB a message (text and HTML: text blocks, six product cards with live
   prices, pictures, buttons, each recipient's name, signed click links, open pixel and
   unsubscribe link). ``engine.start_campaign`` writes the audience and hands the chunks to a
   real ``celery -A shop worker`` (prefork, ``--concurrency`` processes, the production chunk
   size and parallel chunks), which sends through Django's SMTP backend to an aiosmtpd server
   running in a process of its own that counts the messages each address received. Measured:
   emails a second from the first message the server accepted to the last, and from the
   start to the campaign's "sent"; each worker process's peak RSS (VmHWM at the end, and the
   largest VmRSS sampled every half second with its first sample after warm-up); every
   recipient exactly once (the server's count per address against the audience) and
   personalised (the recipient's own name in the message it got). Each size in
   ``--recipients`` (comma-separated) runs on a store of its own with a fresh worker, so
   memory at 10,000 and 100,000 can be compared.

2. Counting segments on ``--contacts`` (1,000,000) contacts of one store, generated with
   ``generate_series``: contacts with email and user identities, consent rows (most confirmed,
   some only asked, some withdrawn, a few suppressed), users, paid orders with a line each,
   follows of the store. ``segments.segment_count`` (the composer's one COUNT query) for a few
   segment kinds, ``--repeats`` times each: p50 and max, and the count.

3. Flows: measured by bench/flows_bench.py (make bench-flows).

The database (default postgres://postgres@127.0.0.1:5432/etalase_bench_campaign) is created
afresh (dropped first if it exists: its name must contain "bench"), migrated, filled, and
dropped at the end (``--keep`` keeps it). Redis: ``--redis-url`` (default database 12); only
the worker's queue is purged. The load average is saved with every figure.

    make bench-campaign
    .venv/bin/python bench/campaign_bench.py --recipients 10000 --only send
    .venv/bin/python bench/campaign_bench.py --recipients 10000,100000 --contacts 1000000

Results are printed and saved as JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from notifications_bench import _server_args, celery_worker, stop_worker, wait_for_worker  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/etalase_bench_campaign"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
QUEUE = "celery"
TARGET_MESSAGE_BYTES = 20_000
PARAGRAPH = (
    "Selamat datang kembali di toko kami. Minggu ini kami menyiapkan koleksi baru yang dibuat "
    "dengan tangan oleh pengrajin dari Yogyakarta, Solo dan Bali: tas anyaman, kain batik tulis, "
    "keramik dan perhiasan perak. Setiap barang dibuat terbatas, jadi pesan lebih awal. "
)


def production_env(database_url: str, redis_url: str) -> dict:
    """What this process and the worker run with: the production profile, the bench's stores."""
    return {
        "DJANGO_ENV": "production",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "LOG_LEVEL": "ERROR",
        # The store's hourly cap (5,000 by default) would stop a 100,000 audience after 5,000.
        "MARKETING_HOURLY_CAP": str(10**9),
    }


def _django(env: dict) -> None:
    os.environ.update(env)
    os.environ["BENCH_SECRET_KEY"] = env["SECRET_KEY"]
    import django

    django.setup()


def create_database(database_url: str, env: dict) -> str:
    server, name = _server_args(database_url)
    subprocess.run(["dropdb", *server, "--if-exists", name], check=True)
    subprocess.run(["createdb", *server, name], check=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env={**os.environ, **env}, check=True
    )
    return name


def drop_database(database_url: str) -> None:
    server, name = _server_args(database_url)
    subprocess.run(["dropdb", *server, "--if-exists", name], check=True)


def load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


# --- The SMTP server (a process of its own) ------------------------------------------------------


def smtp_server(port: int, pipe) -> None:
    """aiosmtpd on 127.0.0.1:``port``, counting messages per address, until told to stop."""
    import asyncio
    import re

    from aiosmtpd.controller import Controller

    class Counting:
        def __init__(self):
            self.received: Counter[str] = Counter()
            self.first = self.last = None
            self.messages = 0
            self.bytes = 0
            self.personalised = 0
            self.sample = b""

        async def handle_DATA(self, server, session, envelope):
            now = time.time()
            content = envelope.original_content or envelope.content or b""
            for address in envelope.rcpt_tos:
                self.received[address] += 1
                # c<contact id>@example.com is "Pembeli <contact id>" (the bench's names)
                number = re.match(r"c(\d+)@", address)
                if number and f"Pembeli {number.group(1)}".encode() in content:
                    self.personalised += 1
            self.messages += 1
            self.bytes += len(content)
            if self.first is None:
                self.first = now
                self.sample = content
            self.last = now
            return "250 Message accepted for delivery"

    handler = Counting()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop(), data_size_limit=10_000_000
    )
    controller.start()
    pipe.send("ready")
    try:
        while True:
            command = pipe.recv()
            if command == "stop":
                break
            if command == "reset":
                handler.__init__()
                pipe.send("ok")
            elif command == "total":
                pipe.send(handler.messages)
            elif command == "report":
                pipe.send(
                    {
                        "received": dict(handler.received),
                        "first": handler.first,
                        "last": handler.last,
                        "messages": handler.messages,
                        "bytes": handler.bytes,
                        "personalised": handler.personalised,
                        "sample": handler.sample,
                    }
                )
    finally:
        controller.stop()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Memory of the worker's processes -------------------------------------------------------------


def _status_kib(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class MemorySampler(threading.Thread):
    """Every ``every`` seconds, the RSS of the worker's main process and of each pool process."""

    def __init__(self, pid: int, every: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: dict[int, list[tuple[float, int]]] = {}
        self.stopped = threading.Event()
        self.began = time.monotonic()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            at = round(time.monotonic() - self.began, 1)
            for pid in [self.pid, *_children(self.pid)]:
                rss = _status_kib(pid, "VmRSS")
                if rss is not None:
                    self.samples.setdefault(pid, []).append((at, rss))

    def stop(self) -> None:
        self.stopped.set()
        self.join()


# --- 1. Sending -----------------------------------------------------------------------------------


def make_store(slug: str):
    from catalog.models import Product, ProductVariant
    from catalog.services import open_store
    from shop.models import User

    owner = User.objects.create_user(username=f"{slug}-owner", email=f"{slug}@bench.invalid")
    store = open_store(owner=owner, name=f"Toko {slug}", slug=slug)
    from django.utils import timezone

    products = []
    for n in range(20):
        product = Product.objects.create(
            store=store,
            title=f"Tas anyaman pandan {n}",
            slug=f"{slug}-tas-{n}",
            description="Anyaman tangan.",
            status=Product.Status.ACTIVE,
            published_at=timezone.now(),
        )
        ProductVariant.objects.create(
            product=product, store=store, sku=f"{slug}-{n}", options={}, price=150_000_00 + n * 5_000_00, stock=20
        )
        products.append(product)
    return owner, store, products


def generate_mailable(store, count: int) -> None:
    """``count`` contacts with a confirmed consent and an email identity, set-based."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO marketing_contact (name, language, source, note, created_at, order_count, total_spent,"
            " recency_score, frequency_score, monetary_score, rfm_group, store_id)"
            " SELECT '', 'id', 'import', '', now(), 0, 0, 0, 0, 0, '', %s FROM generate_series(1, %s)",
            [store.pk, count],
        )
        cursor.execute("UPDATE marketing_contact SET name = 'Pembeli ' || id WHERE store_id = %s", [store.pk])
        cursor.execute(
            "INSERT INTO marketing_emailconsent (contact_id, email, address_hash, state, requested_at, confirmed_at)"
            " SELECT id, 'c' || id || '@example.com', encode(sha256(convert_to('c' || id || '@example.com', 'UTF8')),"
            " 'hex'), 'confirmed', now(), now() FROM marketing_contact WHERE store_id = %s",
            [store.pk],
        )
        cursor.execute(
            "INSERT INTO marketing_identity (kind, value, verified, created_at, contact_id, store_id)"
            " SELECT 'email', 'c' || id || '@example.com', true, now(), id, store_id"
            " FROM marketing_contact WHERE store_id = %s",
            [store.pk],
        )
        cursor.execute("ANALYZE")


def campaign_blocks(store, products) -> list[dict]:
    """Blocks for a message of about TARGET_MESSAGE_BYTES (text and HTML parts together)."""
    from marketing.campaigns import content

    blocks = [
        {"type": "picture", "url": "https://cdn.example.com/banner.jpg", "alt": "Koleksi baru"},
        {"type": "products", "products": [product.pk for product in products[:6]]},
        {"type": "button", "label": "Lihat koleksi", "url": "https://example.com/koleksi"},
    ]

    from marketing.campaign_models import Campaign

    probe = Campaign(store=store, name="Probe", subject="Koleksi baru", preheader="Koleksi baru minggu ini")
    while True:
        probe.blocks = blocks
        page = content.render(campaign=probe, subject="Koleksi baru")
        if len(page.text.encode()) + len(page.html.encode()) >= TARGET_MESSAGE_BYTES - 2_000 or len(blocks) >= 25:
            return blocks
        blocks.insert(-1, {"type": "text", "text": "\n\n".join([PARAGRAPH * 2] * 2)})
        if len(blocks) % 5 == 0:
            blocks.insert(-1, {"type": "picture", "url": f"https://cdn.example.com/{len(blocks)}.jpg", "alt": "Foto"})


def start_worker(env: dict, concurrency: int, port: int, log):
    worker_env = {**os.environ, **env, "EMAIL_URL": f"smtp://127.0.0.1:{port}"}
    worker_env.pop("EMAIL_BACKEND", None)
    return celery_worker("bench-campaign", env=worker_env, log=log, concurrency=concurrency, queue=QUEUE)


def measure_send(env: dict, recipients: int, concurrency: int, pipe, port: int) -> dict:
    from django.conf import settings
    from django.db import connection

    from marketing.campaign_models import Campaign, Recipient
    from marketing.campaigns import engine
    from marketing.campaigns.services import save_campaign
    from marketing.models import EmailConsent
    from shop.celery import app

    slug = f"bench-send-{recipients}-{secrets.token_hex(3)}"
    began = time.perf_counter()
    owner, store, products = make_store(slug)
    generate_mailable(store, recipients)
    blocks = campaign_blocks(store, products)
    campaign = save_campaign(
        store=store,
        data={"name": "Koleksi baru", "subject": "Koleksi baru", "preheader": "Untuk Anda", "blocks": blocks},
    )
    seconds = time.perf_counter() - began
    print(f"  {recipients} mailable contacts and a campaign of {len(blocks)} blocks in {seconds:.1f} s")
    connection.close()

    pipe.send("reset")
    pipe.recv()
    app.control.purge()
    load_before = load()
    with tempfile.TemporaryFile() as log:
        worker = start_worker(env, concurrency, port, log)
        sampler = MemorySampler(worker.pid)
        hwm: dict[int, int] = {}
        try:
            wait_for_worker(app, worker, log)
            sampler.start()
            started = time.perf_counter()
            engine.start_campaign(campaign)
            audience_written = time.perf_counter() - started
            deadline = time.monotonic() + max(900, recipients / 20)
            loads = [load()]
            polls = 0
            while time.monotonic() < deadline:
                time.sleep(0.5)
                if Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.SENT).exists():
                    break
                if worker.poll() is not None:
                    log.seek(0)
                    raise SystemExit(f"the worker died:\n{log.read().decode(errors='replace')[-3000:]}")
                polls += 1
                if polls % 10 == 0:  # every 5 s
                    loads.append(load())
            total_seconds = time.perf_counter() - started
            for pid in [worker.pid, *_children(worker.pid)]:
                peak = _status_kib(pid, "VmHWM")
                if peak is not None:
                    hwm[pid] = peak
            sampler.stop()
        finally:
            if sampler.is_alive():
                sampler.stop()
            stop_worker(worker)
            log.seek(0)
            errors = [line for line in log.read().decode(errors="replace").splitlines() if "Error" in line][:5]
    load_after = load()
    pipe.send("report")
    server = pipe.recv()

    audience = set(EmailConsent.objects.filter(contact__store=store).values_list("email", flat=True))
    received = Counter(server["received"])
    states = Counter(Recipient.objects.filter(campaign=campaign).values_list("state", flat=True))
    twice = {address: n for address, n in received.items() if n > 1}
    missing = audience - set(received)
    strangers = set(received) - audience
    span = (server["last"] - server["first"]) if server["first"] else 0
    workers = []
    for pid, samples in sampler.samples.items():
        rss = [kib for _at, kib in samples]
        workers.append(
            {
                "pid": pid,
                "role": "main" if pid == worker.pid else "pool",
                "peak_rss_mib_vmhwm": round(hwm.get(pid, 0) / 1024, 1),
                "peak_rss_mib_sampled": round(max(rss) / 1024, 1),
                "rss_mib_first_quarter_max": round(max(rss[: max(len(rss) // 4, 1)]) / 1024, 1),
                "rss_mib_last_quarter_max": round(max(rss[-max(len(rss) // 4, 1) :]) / 1024, 1),
                "samples": len(rss),
            }
        )
    sample = server["sample"]
    import email

    parsed = email.message_from_bytes(sample) if sample else None
    parts = {}
    if parsed is not None:
        for part in parsed.walk():
            if part.get_content_maintype() == "text":
                parts[part.get_content_type()] = len(part.get_payload(decode=True) or b"")
    result = {
        "recipients": recipients,
        "concurrency": concurrency,
        "chunk_size": settings.MARKETING_CHUNK_SIZE,
        "parallel_chunks": settings.MARKETING_PARALLEL_CHUNKS,
        "blocks": len(blocks),
        "message_bytes_avg": round(server["bytes"] / server["messages"]) if server["messages"] else 0,
        "message_parts_bytes": parts,
        "messages_received": server["messages"],
        "distinct_addresses": len(received),
        "addresses_mailed_twice_or_more": len(twice),
        "audience_not_mailed": len(missing),
        "mailed_outside_audience": len(strangers),
        "personalised": server["personalised"],
        "exactly_once": not twice and not missing and not strangers and server["messages"] == recipients,
        "recipient_states": dict(states),
        "audience_written_seconds": round(audience_written, 2),
        "first_to_last_seconds": round(span, 2),
        "emails_per_second": round((server["messages"] - 1) / span, 1) if span else None,
        "start_to_sent_seconds": round(total_seconds, 2),
        "emails_per_second_start_to_sent": round(server["messages"] / total_seconds, 1),
        "workers": workers,
        "load_before": load_before,
        "load_during": loads,
        "load_after": load_after,
        "worker_errors": errors,
    }
    print(
        f"  {recipients}: {server['messages']} messages ({result['message_bytes_avg']} B each, parts {parts}) "
        f"in {span:.1f} s first to last = {result['emails_per_second']}/s; start to sent {total_seconds:.1f} s; "
        f"exactly once: {result['exactly_once']} (twice {len(twice)}, missing {len(missing)}), "
        f"personalised {server['personalised']}; load {load_before} -> {load_after}"
    )
    for row in workers:
        print(
            f"    {row['role']} {row['pid']}: peak RSS {row['peak_rss_mib_vmhwm']} MiB (VmHWM), sampled max "
            f"{row['peak_rss_mib_sampled']} (first quarter {row['rss_mib_first_quarter_max']}, last quarter "
            f"{row['rss_mib_last_quarter_max']})"
        )
    if errors:
        print("    worker log:", *errors, sep="\n      ")
    return result


# --- 2. Counting segments -------------------------------------------------------------------------


def generate_segment_data(contacts: int) -> dict:
    """One store with ``contacts`` contacts and the rows its segment rules read, set-based."""
    from django.db import connection

    from marketing.models import Suppression
    from social.services import profile_for_store

    began = time.perf_counter()
    owner, store, products = make_store(f"bench-segments-{secrets.token_hex(3)}")
    profile = profile_for_store(store=store)
    users = max(contacts * 3 // 10, 1)
    buyers = users // 2
    product_ids = [product.pk for product in products]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO shop_user (password, is_superuser, username, first_name, last_name, is_staff, is_active,"
            " date_joined, email, bio, language, share_purchases)"
            " SELECT '!', false, 'seg-' || g, '', '', false, true, now(), 'seg-' || g || '@bench.invalid', '', 'id',"
            " false FROM generate_series(1, %s) g",
            [users],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_users AS SELECT id, row_number() OVER (ORDER BY id) AS g FROM shop_user"
            " WHERE username LIKE 'seg-%%'",
            [],
        )
        cursor.execute(
            "INSERT INTO marketing_contact (name, language, source, note, created_at, order_count, total_spent,"
            " recency_score, frequency_score, monetary_score, rfm_group, store_id)"
            " SELECT 'Kontak ' || g, CASE WHEN g %% 5 = 0 THEN 'en' ELSE 'id' END, 'import', '', now(),"
            " CASE WHEN g <= %s THEN 1 + g %% 3 ELSE 0 END,"
            " CASE WHEN g <= %s THEN 100000 * (1 + g %% 50) ELSE 0 END, 0, 0, 0, '', %s"
            " FROM generate_series(1, %s) g",
            [buyers, buyers, store.pk, contacts],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_contacts AS SELECT id, row_number() OVER (ORDER BY id) AS g"
            " FROM marketing_contact WHERE store_id = %s",
            [store.pk],
        )
        # 90 % confirmed, 6 % asked and never confirmed, 4 % withdrawn.
        cursor.execute(
            "INSERT INTO marketing_emailconsent (contact_id, email, address_hash, state, requested_at, confirmed_at,"
            " withdrawn_at) SELECT id, 'k' || g || '@example.com',"
            " encode(sha256(convert_to('k' || g || '@example.com', 'UTF8')), 'hex'),"
            " CASE WHEN g %% 50 < 45 THEN 'confirmed' WHEN g %% 50 < 48 THEN 'requested' ELSE 'withdrawn' END,"
            " now() - interval '30 days', CASE WHEN g %% 50 < 45 THEN now() - interval '29 days' END,"
            " CASE WHEN g %% 50 >= 48 THEN now() - interval '1 day' END FROM bench_contacts",
            [],
        )
        cursor.execute(
            "INSERT INTO marketing_identity (kind, value, verified, created_at, contact_id, store_id)"
            " SELECT 'email', 'k' || g || '@example.com', true, now(), id, %s FROM bench_contacts",
            [store.pk],
        )
        cursor.execute(
            "INSERT INTO marketing_identity (kind, value, verified, created_at, contact_id, store_id, user_id)"
            " SELECT 'user', u.id::text, true, now(), c.id, %s, u.id FROM bench_contacts c JOIN bench_users u"
            " ON u.g = c.g",
            [store.pk],
        )
        # One suppressed address in a thousand (the store's unsubscribes and the site's bounces).
        cursor.execute(
            "INSERT INTO marketing_suppression (address_hash, email, reason, store_id, created_at)"
            " SELECT encode(sha256(convert_to('k' || g || '@example.com', 'UTF8')), 'hex'), 'k' || g || '@example.com',"
            " CASE WHEN g %% 2000 = 0 THEN %s ELSE %s END, CASE WHEN g %% 2000 = 0 THEN NULL ELSE %s END, now()"
            " FROM bench_contacts WHERE g %% 1000 = 0",
            [Suppression.Reason.HARD_BOUNCE, Suppression.Reason.UNSUBSCRIBED, store.pk],
        )
        cursor.execute(
            "INSERT INTO checkout_payment (idempotency_key, method, status, amount, currency, stripe_client_secret,"
            " created_at, updated_at, buyer_id) VALUES ('bench-segments', 'transfer', 'succeeded', 0, 'IDR', '',"
            " now(), now(), %s) RETURNING id",
            [owner.pk],
        )
        payment_id = cursor.fetchone()[0]
        # Every buyer one paid order, a third of them a second one; paid between 0 and 364 days ago.
        cursor.execute(
            "INSERT INTO checkout_order (number, payment_method, status, currency, ship_recipient, ship_phone,"
            " ship_street, ship_district, ship_city, ship_province, ship_postal_code, subtotal, shipping, discount,"
            " cod_fee, unique_code, total, refunded_amount, bank_name, bank_account_number, bank_account_holder,"
            " transfer_proof, carrier, tracking_number, buyer_note, placed_at, paid_at, buyer_id, store_id,"
            " payment_id)"
            " SELECT 'BS-' || u.g || '-' || k, 'transfer', 'paid', 'IDR', '', '', '', '', '', '', '',"
            " 100000 * (1 + u.g %% 10), 0, 0, 0, 0, 100000 * (1 + u.g %% 10), 0, '', '', '', '', '', '', '',"
            " now() - ((u.g + k * 97) %% 365) * interval '1 day', now() - ((u.g + k * 97) %% 365) * interval '1 day',"
            " u.id, %s, %s FROM bench_users u CROSS JOIN generate_series(1, 2) k"
            " WHERE u.g <= %s AND (k = 1 OR u.g %% 3 = 0)",
            [store.pk, payment_id, buyers],
        )
        cursor.execute(
            "INSERT INTO checkout_orderline (product_title, variant_label, sku, unit_price, quantity, line_total,"
            " order_id, product_id) SELECT 'Tas', '', '', o.total, 1, o.total, o.id, (%s::bigint[])[1 + o.id %% 20]"
            " FROM checkout_order o WHERE o.store_id = %s",
            [product_ids, store.pk],
        )
        # Users from the last third of the buyers on follow the store (some bought, most never did).
        cursor.execute(
            "INSERT INTO social_follow (created_at, follower_id, followee_id)"
            " SELECT now(), id, %s FROM bench_users WHERE g > %s",
            [profile.pk, buyers * 2 // 3],
        )
        cursor.execute("SELECT count(*) FROM checkout_order WHERE store_id = %s", [store.pk])
        orders = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM social_follow WHERE followee_id = %s", [profile.pk])
        follows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_users, bench_contacts")
        cursor.execute("ANALYZE")
    return {
        "store_id": store.pk,
        "product_id": product_ids[0],
        "contacts": contacts,
        "users": users,
        "paid_orders": orders,
        "follows": follows,
        "seconds": round(time.perf_counter() - began, 1),
    }


SEGMENTS = {
    "every mailable contact (no rule)": [],
    "bought a product": [{"kind": "bought_product", "product": None}],
    "no order for 90 days": [{"kind": "no_order_for_days", "days": 90}],
    "follows, never bought": [{"kind": "follows_never_bought"}],
    "spent over 2,000,000 and language en": [
        {"kind": "spent_over", "amount": 2_000_000},
        {"kind": "language", "language": "en"},
    ],
}


def measure_segments(data: dict, repeats: int) -> list[dict]:
    from catalog.models import Store
    from marketing.campaigns.segments import segment_count, validate_rules

    store = Store.objects.get(pk=data["store_id"])
    runs = []
    for label, rules in SEGMENTS.items():
        rules = [{**rule, "product": data["product_id"]} if "product" in rule else rule for rule in rules]
        rules = validate_rules(store=store, rules=rules)
        segment_count(store=store, rules=rules)  # warm the cache once (a composer counts as it is edited)
        times, count = [], None
        load_before = load()
        for _n in range(repeats):
            began = time.perf_counter()
            count = segment_count(store=store, rules=rules)
            times.append(time.perf_counter() - began)
        run = {
            "segment": label,
            "rules": rules,
            "count": count,
            "p50_seconds": round(statistics.median(times), 3),
            "max_seconds": round(max(times), 3),
            "min_seconds": round(min(times), 3),
            "repeats": repeats,
            "load_before": load_before,
            "load_after": load(),
        }
        runs.append(run)
        print(
            f"  {label}: {count} contacts, p50 {run['p50_seconds']} s (min {run['min_seconds']}, max "
            f"{run['max_seconds']}), load {load_before} -> {run['load_after']}"
        )
    return runs


# --- Main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_CAMPAIGN_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_CAMPAIGN_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--recipients", default="100000", help="audience sizes, comma-separated (one run each)")
    parser.add_argument("--concurrency", type=int, default=2, help="the worker's prefork processes")
    parser.add_argument("--contacts", type=int, default=1_000_000, help="contacts of the segment-counting store")
    parser.add_argument("--repeats", type=int, default=7, help="counts per segment")
    parser.add_argument("--only", choices=["send", "segments"], help="run one part only")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    sizes = [int(size) for size in args.recipients.split(",") if size.strip()]
    env = production_env(args.database_url, args.redis_url)
    database = create_database(args.database_url, env)
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    port = free_port()
    server = context.Process(target=smtp_server, args=(port, theirs), daemon=True)
    server.start()
    assert ours.recv() == "ready"
    results: dict = {"when": datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count(), "send": []}
    try:
        _django(env)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            results["postgresql"] = cursor.fetchone()[0]
        from django.conf import settings

        results["settings"] = {
            "DEBUG": settings.DEBUG,
            "CONN_MAX_AGE": settings.DATABASES["default"]["CONN_MAX_AGE"],
            "DJANGO_ENV": settings.DJANGO_ENV,
        }
        print(
            f"{database} (PostgreSQL {results['postgresql']}), Redis {args.redis_url}, {os.cpu_count()} CPUs, "
            f"{results['settings']}, load average {load()} at the start"
        )
        if args.only in (None, "send"):
            print(f"Sending through a Celery worker (prefork, {args.concurrency} processes) to aiosmtpd:")
            for size in sizes:
                results["send"].append(measure_send(env, size, args.concurrency, ours, port))
        if args.only in (None, "segments"):
            print(f"Counting segments on {args.contacts} contacts:")
            data = generate_segment_data(args.contacts)
            print(
                f"  generated in {data['seconds']} s: {data['users']} users, {data['paid_orders']} paid orders, "
                f"{data['follows']} follows"
            )
            results["segment_data"] = data
            results["segments"] = measure_segments(data, args.repeats)
        results["flows"] = "measured by bench/flows_bench.py (make bench-flows)"
        connection.close()
    finally:
        ours.send("stop")
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)

    if results["send"]:
        print(f"\n{'recipients':>10} {'emails/s':>9} {'once':>5} {'pool peak RSS MiB':>20} {'load':>18}")
        for run in results["send"]:
            peaks = ", ".join(str(w["peak_rss_mib_vmhwm"]) for w in run["workers"] if w["role"] == "pool")
            print(
                f"{run['recipients']:>10} {run['emails_per_second']:>9} {str(run['exactly_once']):>5} {peaks:>20} "
                f"{str(run['load_before'][0]) + ' -> ' + str(run['load_after'][0]):>18}"
            )
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"campaign-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nSaved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
