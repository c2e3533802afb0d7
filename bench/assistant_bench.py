"""The store assistant's answer time for a store with 500 FAQ entries, on PostgreSQL and Redis.

A store with ``--faq`` entries (default 500: generated questions with two to four keyword
phrases each, Indonesian and English), its shipping and payment settings, and shoppers'
messages of three sorts in equal parts: one of the FAQ's keywords written as shoppers write
(shorthand, a letter dropped, repeated letters, upper case), a built-in topic (shipping, COD,
payment, hours, stock, order status), and a question it has no answer for.

Measured, per message:

1. ``match``: what the task does to understand a message: the store's compiled FAQ from the
   cache (Redis) and ``matching.understand``. ``--rounds`` messages.
2. ``answer``: the whole task body, ``replies.answer_new_messages``: the conversation locked, the
   decision (who answers), the match, the answer posted and recorded, committed. The shopper's
   message is sent (untimed) just before, through the real service, in one of 50 conversations.
3. ``compile``: the FAQ compiled from the database after an edit (a cache miss), a few times.

p50 and p99 in milliseconds, printed and saved as JSON under bench/results/. The database
(default postgres://postgres@127.0.0.1:5432/etalase_bench_assistant) is created afresh (its
name must contain "bench") and dropped at the end unless ``--keep``.

    make bench-assistant
    .venv/bin/python bench/assistant_bench.py --faq 500 --rounds 3000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/etalase_bench_assistant"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
CONVERSATIONS = 50

SUBJECTS = [
    ("bahan", "material"),
    ("ukuran", "size"),
    ("warna", "colour"),
    ("motif", "pattern"),
    ("garansi", "warranty"),
    ("retur", "return"),
    ("tukar", "exchange"),
    ("grosir", "wholesale"),
    ("reseller", "reseller"),
    ("dropship", "dropship"),
    ("packing", "packaging"),
    ("kado", "gift"),
    ("jahitan", "stitching"),
    ("cuci", "washing"),
    ("luntur", "fading"),
    ("kancing", "buttons"),
    ("resleting", "zipper"),
    ("lengan", "sleeve"),
    ("kerah", "collar"),
    ("saku", "pocket"),
    ("furing", "lining"),
    ("tebal", "thickness"),
    ("panjang", "length"),
    ("lebar", "width"),
    ("berat", "weight"),
]
QUALIFIERS = [
    "kemeja",
    "dress",
    "kebaya",
    "sarung",
    "selendang",
    "celana",
    "rok",
    "outer",
    "blus",
    "tunik",
    "masker",
    "tas",
    "dompet",
    "sepatu",
    "sandal",
    "topi",
    "jaket",
    "hijab",
    "kaos",
    "batik tulis",
]
BUILT_IN = [
    "brp ongkir ke jakarta kak?",
    "cod bisa?",
    "bisa tf bca?",
    "jam buka toko?",
    "readyyy kak?",
    "resi dong",
    "how much is shipping",
    "where is my order",
]
UNKNOWN = [
    "bisa nego gak kak?",
    "kak mau tanya dong",
    "ok makasih",
    "yang kemarin gimana?",
    "👍👍",
    "boleh minta foto asli?",
]


def _server_args(database_url: str) -> tuple[list[str], str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(f"the assistant benchmark needs PostgreSQL, not {parts.scheme}")
    if "bench" not in name:
        raise SystemExit(f"refusing {name!r}: the benchmark drops its database, so its name must contain 'bench'")
    server = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    return server, name


def create_database(database_url: str) -> None:
    server, name = _server_args(database_url)
    subprocess.run(["dropdb", *server, "--if-exists", name], check=True)
    subprocess.run(["createdb", *server, name], check=True)
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="shop.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def drop_database(database_url: str) -> None:
    server, name = _server_args(database_url)
    subprocess.run(["dropdb", *server, "--if-exists", name], check=True)


def _django(database_url: str, redis_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"  # the hook's task is not what is timed here
    os.environ["DJANGO_SETTINGS_MODULE"] = "shop.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


def faq_rows(count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """``count`` distinct (question, keywords, answer): subject x product, with synonyms."""
    rows = []
    pairs = [(subject, qualifier) for subject in SUBJECTS for qualifier in QUALIFIERS]
    rng.shuffle(pairs)
    for (indonesian, english), qualifier in pairs[:count]:
        keywords = [f"{indonesian} {qualifier}", f"{english} {qualifier}"]
        if rng.random() < 0.5:
            keywords.append(f"{qualifier} {indonesian}")
        if rng.random() < 0.3:
            keywords.append(f"{indonesian}nya {qualifier}")
        question = f"{indonesian.capitalize()} {qualifier} seperti apa?"
        answer = f"{indonesian.capitalize()} {qualifier} kami: penjelasan lengkap untuk pembeli."
        rows.append((question, ", ".join(keywords), answer))
    return rows


def as_typed(phrase: str, rng: random.Random) -> str:
    """A keyword phrase as a shopper might type it."""
    words = phrase.split()
    choice = rng.randrange(4)
    if choice == 0 and len(words[0]) > 5:  # a letter dropped
        cut = rng.randrange(1, len(words[0]) - 1)
        words[0] = words[0][:cut] + words[0][cut + 1 :]
    elif choice == 1:  # a letter repeated
        words[-1] = words[-1] + words[-1][-1] * 3
    elif choice == 2:
        words = [word.upper() for word in words]
    return rng.choice(["{} kak?", "{} gimana ya", "kak {} brp?", "mau tanya {}", "{}??"]).format(" ".join(words))


def messages(rows, total: int, rng: random.Random) -> list[str]:
    keywords = [keyword.strip() for _question, keyword_text, _answer in rows for keyword in keyword_text.split(",")]
    out = []
    for index in range(total):
        kind = index % 3
        if kind == 0:
            out.append(as_typed(rng.choice(keywords), rng))
        elif kind == 1:
            out.append(rng.choice(BUILT_IN))
        else:
            out.append(rng.choice(UNKNOWN))
    rng.shuffle(out)
    return out


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(cuts[98] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def run(*, faq: int, rounds: int, answers: int, seed: int) -> dict:
    from catalog.models import Store
    from chat import services as chat_services
    from chat.assistant import matching, replies
    from chat.assistant.models import AssistantSettings, FaqEntry
    from checkout.models import StoreCheckoutSettings
    from shop.models import User

    rng = random.Random(seed)
    owner = User.objects.create_user(username="bench-seller", email="seller@bench.invalid", password=None)
    store = Store.objects.create(owner=owner, name="Toko Bench", slug="toko-bench")
    StoreCheckoutSettings.objects.create(
        store=store, shipping_flat_rate=2_000_000, free_shipping_threshold=50_000_000, cod_enabled=True
    )
    AssistantSettings.objects.create(store=store)
    rows = faq_rows(faq, rng)
    FaqEntry.objects.bulk_create(
        FaqEntry(store=store, question=question, keywords=keywords, answer=answer)
        for question, keywords, answer in rows
    )
    texts = messages(rows, max(rounds, answers), rng)

    # 3. Compiling after an edit (a cache miss), then the cache warm for the rest.
    compile_samples = []
    for _ in range(20):
        matching.forget_faq_index(store.pk)
        started = time.perf_counter()
        index = matching.faq_index(store.pk)
        compile_samples.append(time.perf_counter() - started)
    assert len(index.entries) == faq

    # 1. The match, the index read from the cache each time as the task reads it.
    for text in texts[:50]:  # warm-up (imports, rapidfuzz's first calls)
        matching.understand(text, faq=matching.faq_index(store.pk))
    match_samples = []
    outcomes: dict[str, int] = {}
    for text in texts[:rounds]:
        started = time.perf_counter()
        understood = matching.understand(text, faq=matching.faq_index(store.pk))
        match_samples.append(time.perf_counter() - started)
        outcomes[understood.topic or "none"] = outcomes.get(understood.topic or "none", 0) + 1

    # 2. The whole task body, per shopper message.
    shoppers = [
        User.objects.create_user(username=f"bench-shopper-{n}", email=f"s{n}@bench.invalid", password=None)
        for n in range(CONVERSATIONS)
    ]
    chats = [chat_services.open_conversation(shopper=shopper, store=store) for shopper in shoppers]
    from chat.models import Message
    from social import ratelimit

    ratelimit.take = lambda *args, **kwargs: None  # one shopper sends many messages here
    answer_samples = []
    posted = 0
    for number, text in enumerate(texts[:answers]):
        chat = chats[number % CONVERSATIONS]
        Message.objects.create(
            conversation=chat, sender=chat.shopper, sender_side="shopper", body=text, client_id=f"b{number}"
        )
        started = time.perf_counter()
        sent = replies.answer_new_messages(conversation_id=chat.pk)
        answer_samples.append(time.perf_counter() - started)
        posted += len(sent)
    matching.forget_faq_index(store.pk)
    return {
        "faq_entries": faq,
        "match": percentiles(match_samples),
        "answer": percentiles(answer_samples),
        "compile": percentiles(compile_samples),
        "outcomes": outcomes,
        "answers_posted": posted,
        "answer_messages": answers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_ASSISTANT_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_ASSISTANT_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--faq", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3000, help="messages matched")
    parser.add_argument("--answers", type=int, default=600, help="messages answered by the whole task body")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    create_database(args.database_url)
    try:
        _django(args.database_url, args.redis_url)
        result = run(faq=args.faq, rounds=args.rounds, answers=args.answers, seed=args.seed)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)
    result["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count()}
    result["at"] = datetime.now().isoformat(timespec="seconds")
    print(f"Assistant with {result['faq_entries']} FAQ entries (p50 / p99 per message, ms):")
    for name in ("match", "answer", "compile"):
        row = result[name]
        print(f"  {name:8} {row['p50_ms']:>8} / {row['p99_ms']:>8}   (n={row['n']}, max {row['max_ms']})")
    print(f"  outcomes of the matched messages: {result['outcomes']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"assistant-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"Saved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
