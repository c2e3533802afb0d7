"""Order placement under load on PostgreSQL: orders/second, p50 and p99, and the queries of one placement.

Eight client processes (each with its own database connection, ``django.setup()`` in
each) place orders through ``checkout.services.place_order`` at the same time, with no
HTTP in between, in two scenarios:

    distinct    each client buys from its own store's variants: no row is shared
    hot         every client buys the same variant of one store: every placement
                waits for the row lock on that variant (and reads that store's unpaid
                transfers to pick a unique code)

Every order is one line of one unit paid by bank transfer (the commonest Indonesian
checkout). The buyers, their addresses and carts, and the digest of the quote their
checkout page showed are prepared first and not timed; each client places a few
orders to warm up, then all start together and place orders for ``--duration`` seconds
(or ``--count`` orders each). Then, in one process, the queries of one placement with
1, 5 and 20 lines from one store (and 5 lines from 5 stores), and of the checkout
page's quote, counted with ``CaptureQueriesContext``.

The database (``--database-url``, default $BENCH_ORDERS_DATABASE_URL or
postgres://postgres@127.0.0.1:5432/etalase_bench_orders) is created if missing,
migrated, and EMPTIED at the start of every run: its name must contain "bench".

    make bench-orders                  # or: .venv/bin/python bench/orders_load.py --duration 10
    .venv/bin/python bench/orders_load.py --clients 4 --count 200

Results are printed and saved as JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/etalase_bench_orders"
METHOD = "bank_transfer"
PRICE = 15_000_000  # Rp150.000
STOCK = 10_000_000  # never the limit: the benchmark measures placing, not selling out


def _django(database_url: str) -> None:
    """Point this process at the benchmark database and start Django."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "shop.settings"
    os.environ["DEBUG"] = "0"  # no query log kept in memory
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    # As in production, placing an order only enqueues its emails (here into Celery's
    # in-memory transport, never consumed): a worker sends them, not the buyer's request.
    os.environ.pop("REDIS_URL", None)
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    import django

    django.setup()


# --- The database ---------------------------------------------------------------------


def ensure_database(database_url: str) -> str:
    """Create (if missing) and migrate the benchmark database. Returns its name."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(f"the orders benchmark needs PostgreSQL, not {parts.scheme}")
    if "bench" not in name:
        raise SystemExit(f"refusing {name!r}: the benchmark empties its database, so its name must contain 'bench'")
    server = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    exists = subprocess.run(
        ["psql", *server, "-d", "postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run(["createdb", *server, name], check=True)
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="shop.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    return name


# --- Preparation (in the main process, not timed) ---------------------------------------


def _store(label: str, products: int):
    """A store that takes bank transfers, with ``products`` one-variant products in stock."""
    from catalog import services as catalog
    from checkout.models import StoreCheckoutSettings
    from shop.models import User

    owner = User.objects.create_user(username=f"seller-{label}", email=f"seller-{label}@bench.invalid")
    store = catalog.open_store(owner=owner, name=f"Bench {label}", slug=f"bench-{label}")
    StoreCheckoutSettings.objects.create(
        store=store,
        shipping_flat_rate=2_000_000,
        free_shipping_threshold=50_000_000,
        bank_name="BCA",
        bank_account_number="1234567890",
        bank_account_holder=f"Bench {label}",
    )
    variants = []
    for index in range(products):
        product = catalog.create_product(store=store, title=f"{label} product {index}", status="active")
        variants.append(catalog.create_variant(product=product, sku=f"{label}-{index}", price=PRICE, stock=STOCK))
    return store, variants


def _buyers(label: str, carts: list[list]) -> list[tuple[int, int, int]]:
    """One buyer per entry of ``carts`` (a list of variants, one unit each), made in bulk:
    user, default address, cart and lines. Returns ``(buyer, cart, address)`` ids."""
    from checkout.models import Address, Cart, CartLine
    from shop.models import User

    users = User.objects.bulk_create(
        User(username=f"{label}-{i}", email=f"{label}-{i}@bench.invalid", password="!") for i in range(len(carts))
    )
    addresses = Address.objects.bulk_create(
        Address(
            user=user,
            label="Rumah",
            recipient="Pembeli Bench",
            phone="081234567890",
            street="Jl. Kemang Raya No. 8",
            district="Mampang Prapatan",
            city="Jakarta Selatan",
            province="DKI Jakarta",
            postal_code="12730",
            is_default=True,
        )
        for user in users
    )
    cart_rows = Cart.objects.bulk_create(Cart(user=user) for user in users)
    CartLine.objects.bulk_create(
        CartLine(cart=cart, variant=variant, quantity=1, price_seen=variant.price)
        for cart, variants in zip(cart_rows, carts, strict=True)
        for variant in variants
    )
    return [(u.pk, c.pk, a.pk) for u, c, a in zip(users, cart_rows, addresses, strict=True)]


def _digests(jobs: list[tuple[int, int, int]], contents: list[tuple[int, ...]]) -> list[str]:
    """The digest of each cart's quote (the checkout page's), computed once per distinct content."""
    from checkout import services
    from checkout.models import Cart
    from shop.models import User

    known: dict[tuple[int, ...], str] = {}
    digests = []
    for (buyer_id, cart_id, _), content in zip(jobs, contents, strict=True):
        if content not in known:
            buyer, cart = User.objects.get(pk=buyer_id), Cart.objects.get(pk=cart_id)
            known[content] = services.cart_quote(cart=cart, buyer=buyer, payment_method=METHOD).digest
        digests.append(known[content])
    return digests


def prepare(scenario: str, clients: int, per_client: int, variants_per_client: int) -> list[list[tuple]]:
    """Each client's jobs: ``(buyer, cart, address, digest)`` for ``per_client`` checkouts."""
    if scenario == "distinct":
        shelves = [_store(f"d{client}", variants_per_client)[1] for client in range(clients)]
    else:
        hot = _store("hot", 1)[1]
        shelves = [hot] * clients
    plan = [[shelves[client][i % len(shelves[client])]] for client in range(clients) for i in range(per_client)]
    jobs = _buyers(scenario, plan)
    digests = _digests(jobs, [tuple(v.pk for v in variants) for variants in plan])
    rows = [(*job, digest) for job, digest in zip(jobs, digests, strict=True)]
    return [rows[client * per_client : (client + 1) * per_client] for client in range(clients)]


# --- A client (one process, its own connection) --------------------------------------------


def _client_init(database_url: str) -> None:
    _django(database_url)
    from django.db import connection

    connection.ensure_connection()


def run_client(client: int, jobs: list[tuple], warmup: int, duration: float, count: int, barrier) -> dict:
    """Place orders for ``jobs`` in turn: ``warmup`` untimed, then, once every client is
    ready, until ``duration`` seconds have passed or ``count`` orders are placed."""
    from checkout import services
    from checkout.models import Cart
    from shop.models import User

    users = User.objects.in_bulk([job[0] for job in jobs])
    carts = Cart.objects.in_bulk([job[1] for job in jobs])

    def place(job) -> None:
        buyer_id, cart_id, address_id, digest = job
        services.place_order(
            buyer=users[buyer_id],
            cart=carts[cart_id],
            address=address_id,
            payment_method=METHOD,
            idempotency_key=uuid.uuid4().hex,
            quote_digest=digest,
        )

    for job in jobs[:warmup]:
        place(job)
    barrier.wait(timeout=300)
    latencies: list[float] = []
    errors: Counter = Counter()
    started, cpu_started = time.time(), time.process_time()
    deadline = time.perf_counter() + duration if duration else None
    left = jobs[warmup:]
    for job in left:
        if (count and len(latencies) >= count) or (deadline and time.perf_counter() >= deadline):
            break
        begin = time.perf_counter()
        try:
            place(job)
        except Exception as exc:  # counted and reported: the run should have none
            errors[f"{type(exc).__name__}: {exc}"[:120]] += 1
            continue
        latencies.append(time.perf_counter() - begin)
    finished, cpu = time.time(), time.process_time() - cpu_started
    ran_out = len(latencies) + sum(errors.values()) == len(left) and not count
    return {
        "client": client,
        "started": started,
        "finished": finished,
        "latencies": latencies,
        "cpu_seconds": cpu,
        "errors": dict(errors),
        "ran_out": ran_out,
    }


def measure(scenario: str, jobs: list[list[tuple]], args, pool: ProcessPoolExecutor, manager) -> dict:
    """Run every client's ``jobs`` in the pool's processes at once; their figures together."""
    barrier = manager.Barrier(args.clients)
    futures = [
        pool.submit(run_client, client, client_jobs, args.warmup, args.duration, args.count, barrier)
        for client, client_jobs in enumerate(jobs)
    ]
    runs = [future.result() for future in futures]
    latencies = sorted(value for run in runs for value in run["latencies"])
    seconds = max(run["finished"] for run in runs) - min(run["started"] for run in runs)
    errors: Counter = Counter()
    for run in runs:
        errors.update(run["errors"])
    centiles = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [0.0] * 99
    return {
        "scenario": scenario,
        "orders": len(latencies),
        "seconds": seconds,
        "orders_per_second": len(latencies) / seconds if seconds else 0.0,
        "p50_ms": centiles[49] * 1000,
        "p90_ms": centiles[89] * 1000,
        "p99_ms": centiles[98] * 1000,
        "max_ms": latencies[-1] * 1000 if latencies else 0.0,
        # Python CPU in the client processes per order (the database's own CPU is not in it).
        "client_cpu_ms_per_order": sum(run["cpu_seconds"] for run in runs) * 1000 / max(1, len(latencies)),
        "per_client": [len(run["latencies"]) for run in runs],
        "errors": dict(errors),
        "ran_out_of_buyers": any(run["ran_out"] for run in runs),
    }


def check_stock(scenario: str) -> dict:
    """After the run: the units taken equal the units ordered, and no stock is negative."""
    from django.db.models import Sum

    from catalog.models import ProductVariant
    from checkout.models import OrderLine

    prefix = "bench-d" if scenario == "distinct" else "bench-hot"
    variants = ProductVariant.objects.filter(store__slug__startswith=prefix)
    taken = sum(STOCK - stock for stock in variants.values_list("stock", flat=True))
    ordered = OrderLine.objects.filter(variant__in=variants).aggregate(units=Sum("quantity"))["units"] or 0
    return {"units_taken": taken, "units_ordered": ordered, "consistent": taken == ordered}


# --- Queries per placement ------------------------------------------------------------------


def _transaction_control(sql: str) -> bool:
    return sql.split(" ", 1)[0].upper() in {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


def count_queries() -> list[dict]:
    """Queries of one placement (and of the checkout page's quote) by number of lines and stores."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from checkout import services
    from checkout.models import Cart
    from shop.models import User

    _, one_store = _store("q", 20)
    five_stores = [_store(f"q{n}", 1)[1][0] for n in range(5)]
    cases = [
        ("1 line, 1 store", one_store[:1]),
        ("5 lines, 1 store", one_store[:5]),
        ("20 lines, 1 store", one_store[:20]),
        ("5 lines, 5 stores", five_stores),
    ]
    rows = []
    for index, (label, variants) in enumerate(cases):
        [(buyer_id, cart_id, address_id)] = _buyers(f"q-{index}", [variants])
        buyer, cart = User.objects.get(pk=buyer_id), Cart.objects.get(pk=cart_id)
        with CaptureQueriesContext(connection) as quote_queries:
            quote = services.cart_quote(cart=cart, buyer=buyer, payment_method=METHOD)
        with CaptureQueriesContext(connection) as place_queries:
            placed = services.place_order(
                buyer=buyer,
                cart=cart,
                address=address_id,
                payment_method=METHOD,
                idempotency_key=uuid.uuid4().hex,
                quote_digest=quote.digest,
            )
        assert placed.created and len(placed.orders) == len({v.store_id for v in variants})
        rows.append(
            {
                "case": label,
                "lines": len(variants),
                "stores": len({v.store_id for v in variants}),
                "quote_queries": len(quote_queries),
                "place_queries": len(place_queries),
                "place_statements": sum(not _transaction_control(q["sql"]) for q in place_queries.captured_queries),
                "place_sql": [query["sql"][:300] for query in place_queries.captured_queries],
            }
        )
    return rows


# --- Main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_ORDERS_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--clients", type=int, default=8, help="concurrent client processes")
    parser.add_argument("--duration", type=float, default=10, help="seconds per scenario (0: use --count)")
    parser.add_argument("--count", type=int, default=0, help="orders per client instead of a duration")
    parser.add_argument(
        "--buyers-per-client",
        type=int,
        default=0,
        help="checkouts prepared per client (default: enough for 60 orders/s per client, or --count)",
    )
    parser.add_argument("--variants-per-client", type=int, default=10, help="distinct scenario: each client's variants")
    parser.add_argument("--warmup", type=int, default=5, help="untimed orders per client before the start")
    parser.add_argument("--scenarios", default="distinct,hot", help="comma-separated: distinct, hot")
    args = parser.parse_args()
    if not args.duration and not args.count:
        parser.error("give --duration or --count")
    if args.count:
        args.duration = 0
    per_client = args.buyers_per_client or args.warmup + (args.count or int(60 * args.duration))
    scenarios = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    if set(scenarios) - {"distinct", "hot"}:
        parser.error("scenarios are distinct and hot")

    database = ensure_database(args.database_url)
    _django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from checkout import signals

    call_command("flush", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    print(
        f"{database} (PostgreSQL {server_version}), {args.clients} clients, "
        + (f"{args.duration:g} s" if args.duration else f"{args.count} orders each")
        + f" per scenario, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start"
    )
    load_at_start = os.getloadavg()

    # The clients: one process each, with its own connection, started once for both scenarios.
    context = multiprocessing.get_context("spawn")
    runs = []
    with (
        context.Manager() as manager,
        ProcessPoolExecutor(
            max_workers=args.clients, mp_context=context, initializer=_client_init, initargs=(args.database_url,)
        ) as pool,
    ):
        for scenario in scenarios:
            began = time.perf_counter()
            jobs = prepare(scenario, args.clients, per_client, args.variants_per_client)
            print(
                f"  {scenario}: {args.clients} x {per_client} checkouts prepared in {time.perf_counter() - began:.1f} s"
            )
            connection.close()  # the clients have their own connections
            run = measure(scenario, jobs, args, pool, manager)
            run["stock"] = check_stock(scenario)
            runs.append(run)
            print(
                f"  {scenario}: {run['orders']} orders in {run['seconds']:.1f} s, "
                f"errors {sum(run['errors'].values())}, stock consistent: {run['stock']['consistent']}"
            )
            if run["ran_out_of_buyers"]:
                print(f"  {scenario}: a client ran out of prepared checkouts; raise --buyers-per-client")
    queries = count_queries()

    print(
        f"\n{'scenario':<10} {'orders':>7} {'orders/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'client CPU ms/order':>20} {'errors':>7}"
    )
    for run in runs:
        print(
            f"{run['scenario']:<10} {run['orders']:7d} {run['orders_per_second']:9.1f} {run['p50_ms']:8.1f} "
            f"{run['p99_ms']:8.1f} {run['max_ms']:8.1f} {run['client_cpu_ms_per_order']:20.1f} "
            f"{sum(run['errors'].values()):7d}"
        )
    print(f"\n{'one placement':<20} {'queries':>8} {'without BEGIN/COMMIT/SAVEPOINT':>31} {'quote (page)':>13}")
    for row in queries:
        print(f"{row['case']:<20} {row['place_queries']:8d} {row['place_statements']:31d} {row['quote_queries']:13d}")
    for run in runs:
        for error, times in run["errors"].items():
            print(f"  {run['scenario']} error x{times}: {error}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"orders-{time.strftime('%Y%m%d-%H%M%S')}.json"
    settings = {key: value for key, value in vars(args).items() if key != "database_url"}
    settings["database"] = database
    out.write_text(
        json.dumps(
            {
                "args": settings,
                "buyers_per_client": per_client,
                "cpus": os.cpu_count(),
                "load_average": {"start": load_at_start, "end": os.getloadavg()},
                "postgresql": server_version,
                "method": METHOD,
                "order_placed_receivers": len(signals.order_placed.receivers),
                "runs": runs,
                "queries": queries,
            },
            indent=2,
        )
    )
    print(f"\nsaved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
