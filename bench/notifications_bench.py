"""Notifications at scale on PostgreSQL: fan-out of one post to 100,000 followers, and
emails per second through a real Celery worker.

1. Fan-out. ``shop.notifications.services.notify_many`` writes one in-app notification per
   follower of a store, in bulk inserts of ``batch_size`` rows, reading the followers with a
   server-side cursor (what a fan-out task does). Each batch size is measured in a fresh
   process: wall time, and peak memory twice, as the process's peak RSS growth
   (``resource.getrusage().ru_maxrss``) in an untraced run and as the Python heap's peak
   (``tracemalloc``, which slows the run down) in a second run.

2. Email throughput. 10,000 pending email deliveries (real notifications of the
   "post_commented" kind, rendered from their templates in the recipient's language) are
   enqueued on Redis and sent by a real ``celery -A shop worker`` (started here, prefork,
   ``--concurrency`` processes) through Django's file backend into a temporary directory
   (locmem would be invisible to this process). Timed from the first enqueue until the
   database says every delivery is sent; the messages in the files are counted too.

The database (default postgres://postgres@127.0.0.1:5432/etalase_bench_notif) is created
afresh (dropped first if it exists: its name must contain "bench"), migrated, filled in
bulk, and dropped at the end (``--keep`` keeps it). Redis: ``--redis-url``, default
redis://127.0.0.1:6379/8; only the worker's queue is purged.

    make bench-notifications
    .venv/bin/python bench/notifications_bench.py --followers 20000 --emails 2000 --concurrency 2,4

Results are printed and saved as JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/etalase_bench_notif"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
FAN_OUT_KIND = "bench_new_post"
EMAIL_KIND = "post_commented"  # a real kind that emails by default (the generic templates)
QUEUE = "celery"


def _django(database_url: str, redis_url: str = "") -> None:
    """Point this process at the benchmark database (and broker) and start Django."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "shop.settings"
    os.environ["DEBUG"] = "0"  # no query log kept in memory
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    import django

    django.setup()


def _server_args(database_url: str) -> tuple[list[str], str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(f"the notifications benchmark needs PostgreSQL, not {parts.scheme}")
    if "bench" not in name:
        raise SystemExit(f"refusing {name!r}: the benchmark drops its database, so its name must contain 'bench'")
    server = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    return server, name


def create_database(database_url: str) -> str:
    """Drop, create and migrate the throwaway benchmark database. Returns its name."""
    server, name = _server_args(database_url)
    subprocess.run(["dropdb", *server, "--if-exists", name], check=True)
    subprocess.run(["createdb", *server, name], check=True)
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="shop.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    return name


def drop_database(database_url: str) -> None:
    server, name = _server_args(database_url)
    subprocess.run(["dropdb", *server, "--if-exists", name], check=True)


# --- Data (untimed) -------------------------------------------------------------------------


def generate(followers: int) -> dict:
    """``followers`` users following one store, which has one post. Bulk inserts only."""
    from django.db import connection

    from catalog import services as catalog
    from shop.models import User
    from social.models import Follow, Post
    from social.services import profile_for_store

    began = time.perf_counter()
    owner = User.objects.create_user(username="bench-seller", email="seller@bench.invalid")
    store = catalog.open_store(owner=owner, name="Bench Store", slug="bench-store")
    profile = profile_for_store(store=store)
    post = Post.objects.create(author=owner, profile=profile, caption="One post for everyone")
    chunk = 10_000
    for start in range(0, followers, chunk):
        users = [
            User(username=f"bench-{n}", email=f"bench-{n}@bench.invalid", password="!")
            for n in range(start, min(start + chunk, followers))
        ]
        created = User.objects.bulk_create(users)
        Follow.objects.bulk_create([Follow(follower_id=user.pk, followee=profile) for user in created])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "owner_id": owner.pk,
        "profile_id": profile.pk,
        "post_id": post.pk,
        "followers": followers,
        "seconds": round(time.perf_counter() - began, 1),
    }


# --- 1. Fan-out (each batch size in a fresh process) ---------------------------------------------


def _truncate_notifications() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE shop_delivery, shop_notification RESTART IDENTITY")


def _status_kib(field: str) -> int:
    """A ``/proc/self/status`` memory figure (VmRSS, VmHWM), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak_rss() -> int:
    """Reset the process's peak RSS (VmHWM, which ``ru_maxrss`` reads) to its current RSS,
    so the peak measured next is the run's own, not Django's start-up. Returns the RSS (KiB)."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kib("VmRSS")


def fan_out_child(database_url: str, batch_size: int, data: dict) -> dict:
    """Runs in its own process: ``notify_many`` to every follower, twice (untraced, traced)."""
    _django(database_url)
    import gc
    import tracemalloc

    from django.db import connection

    from shop.models import Notification, User
    from shop.notifications import kinds
    from shop.notifications.services import notify_many
    from social.models import Follow

    kinds.register(kinds.Kind(name=FAN_OUT_KIND, label="New posts", text=lambda actor, others, data: "new post"))
    owner = User.objects.get(pk=data["owner_id"])

    def run() -> tuple[float, int]:
        followers = (
            Follow.objects.filter(followee_id=data["profile_id"])
            .values_list("follower_id", flat=True)
            .iterator(chunk_size=batch_size)
        )
        began = time.perf_counter()
        written = notify_many(
            recipient_ids=followers,
            kind=FAN_OUT_KIND,
            actor=owner,
            target_url=f"/posts/{data['post_id']}/",
            group_key=f"post:{data['post_id']}",
            data={"post": data["post_id"]},
            batch_size=batch_size,
        )
        return time.perf_counter() - began, written

    _truncate_notifications()
    connection.close()
    gc.collect()
    rss_before = _reset_peak_rss()
    seconds, written = run()
    rss_peak = _status_kib("VmHWM")
    assert Notification.objects.count() == written == data["followers"], "every follower, once"
    _truncate_notifications()

    gc.collect()
    tracemalloc.start()
    traced_seconds, _written = run()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    _truncate_notifications()
    return {
        "batch_size": batch_size,
        "notifications": written,
        "seconds": round(seconds, 2),
        "notifications_per_second": round(written / seconds),
        "rss_before_mib": round(rss_before / 1024, 1),
        "peak_rss_mib": round(rss_peak / 1024, 1),
        "peak_rss_growth_mib": round((rss_peak - rss_before) / 1024, 1),
        "ru_maxrss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "python_heap_peak_mib": round(peak / 2**20, 1),
        "seconds_traced": round(traced_seconds, 2),
    }


def measure_fan_out(database_url: str, batch_sizes: list[int], data: dict) -> list[dict]:
    runs = []
    for batch_size in batch_sizes:
        output = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child-fan-out",
                json.dumps({"database_url": database_url, "batch_size": batch_size, "data": data}),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        run = json.loads(output.strip().splitlines()[-1])
        runs.append(run)
        print(
            f"  batch {batch_size:>5}: {run['notifications']} notifications in {run['seconds']:.2f} s, "
            f"peak RSS +{run['peak_rss_growth_mib']} MiB, Python heap peak {run['python_heap_peak_mib']} MiB"
        )
    return runs


# --- 2. Emails through a real worker ---------------------------------------------------------------


def prepare_emails(count: int, data: dict) -> list[int]:
    """``count`` pending deliveries of real notifications, written in bulk (not timed)."""
    from shop.models import Delivery, Notification, User

    _truncate_notifications()
    recipients = list(
        User.objects.filter(username__startswith="bench-").exclude(pk=data["owner_id"]).order_by("pk")[:count]
    )
    if len(recipients) < count:
        raise SystemExit(f"--emails {count} needs at least as many --followers")
    notes = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=EMAIL_KIND,
                actor_id=data["owner_id"],
                target_url=f"/posts/{data['post_id']}/",
                group_key=f"comment:post:{data['post_id']}",
                data={"post": data["post_id"]},
            )
            for user in recipients
        ],
        batch_size=5000,
    )
    deliveries = Delivery.objects.bulk_create([Delivery(notification=note) for note in notes], batch_size=5000)
    return [delivery.pk for delivery in deliveries]


def start_worker(database_url: str, redis_url: str, concurrency: int, mail_dir: Path, log) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="0",
        DJANGO_SETTINGS_MODULE="shop.settings",
        DEBUG="0",
        LOG_LEVEL="ERROR",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
    )
    env.pop("EMAIL_URL", None)
    return celery_worker("bench-notif", env=env, log=log, concurrency=concurrency, queue=QUEUE)


def celery_worker(
    name: str, *, env: dict, log, pool: str = "prefork", concurrency: int | None = None, queue: str | None = None
) -> subprocess.Popen:
    """A real ``celery -A shop worker`` for a benchmark, quiet and without gossip, mingle or
    heartbeat, in a process group of its own (``stop_worker`` ends the group)."""
    command = [sys.executable, "-m", "celery", "-A", "shop", "worker", f"--pool={pool}"]
    if concurrency is not None:
        command.append(f"--concurrency={concurrency}")
    command += ["--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    command.append(f"--hostname={name}-{os.getpid()}@%h")
    if queue is not None:
        command.append(f"--queues={queue}")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_worker(process: subprocess.Popen) -> None:
    """Warm shutdown (SIGTERM to the worker we started), then kill it if it lingers."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for_worker(app, process: subprocess.Popen, log, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise SystemExit(f"the worker exited with {process.returncode}:\n{log.read().decode(errors='replace')}")
        if app.control.ping(timeout=1.0):
            return
    raise SystemExit("the worker did not answer a ping")


def measure_emails(database_url: str, redis_url: str, concurrency: int, delivery_ids: list[int]) -> dict:
    from shop.celery import app
    from shop.models import Delivery
    from shop.tasks import deliver_notification

    Delivery.objects.filter(pk__in=delivery_ids).update(state=Delivery.State.PENDING, attempts=0, sent_at=None)
    app.control.purge()  # only our queue, on the benchmark's Redis database
    mail_dir = Path(tempfile.mkdtemp(prefix="etalase-bench-mail-"))
    with tempfile.TemporaryFile() as log:
        worker = start_worker(database_url, redis_url, concurrency, mail_dir, log)
        try:
            wait_for_worker(app, worker, log)
            began = time.perf_counter()
            for delivery_id in delivery_ids:
                deliver_notification.delay(delivery_id)
            enqueued = time.perf_counter() - began
            count = len(delivery_ids)
            sent = 0
            deadline = time.monotonic() + max(600, count / 5)
            while sent < count and time.monotonic() < deadline:
                time.sleep(0.1)
                sent = Delivery.objects.filter(pk__in=delivery_ids, state=Delivery.State.SENT).count()
                if worker.poll() is not None:
                    break
            seconds = time.perf_counter() - began
        finally:
            stop_worker(worker)
    # The file backend appends messages sent in the same second by the same backend object
    # to one file: count the messages, not the files.
    files = sum(path.read_text(errors="replace").count("\nMessage-ID: ") for path in mail_dir.iterdir())
    shutil.rmtree(mail_dir, ignore_errors=True)
    return {
        "concurrency": concurrency,
        "emails": count,
        "sent": sent,
        "messages_in_files": files,
        "seconds": round(seconds, 2),
        "emails_per_second": round(sent / seconds, 1),
        "enqueue_seconds": round(enqueued, 2),
        "enqueued_per_second": round(count / enqueued),
    }


# --- Main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_NOTIF_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_NOTIF_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--batch-sizes", default="500,2000,5000", help="fan-out batch sizes, comma-separated")
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument(
        "--concurrency", default=str(os.cpu_count() or 2), help="worker processes per run, comma-separated"
    )
    parser.add_argument("--only", choices=["fan-out", "emails"], help="run one part only")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--child-fan-out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child_fan_out:
        job = json.loads(args.child_fan_out)
        print(json.dumps(fan_out_child(job["database_url"], job["batch_size"], job["data"])))
        return

    batch_sizes = [int(size) for size in args.batch_sizes.split(",") if size.strip()]
    concurrencies = [int(n) for n in args.concurrency.split(",") if n.strip()]
    database = create_database(args.database_url)
    try:
        _django(args.database_url, args.redis_url)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
        print(
            f"{database} (PostgreSQL {server_version}), Redis {args.redis_url}, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f} at the start"
        )
        data = generate(max(args.followers, args.emails))
        print(f"  {data['followers']} followers of one store generated in {data['seconds']} s")
        connection.close()

        results: dict = {
            "when": datetime.now().isoformat(timespec="seconds"),
            "postgresql": server_version,
            "cpus": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
            "followers": data["followers"],
            "fan_out": [],
            "emails": [],
        }
        if args.only in (None, "fan-out"):
            print("Fan-out of one post (notify_many):")
            results["fan_out"] = measure_fan_out(args.database_url, batch_sizes, data)
        if args.only in (None, "emails"):
            print(f"Emails through a Celery worker ({args.emails}):")
            delivery_ids = prepare_emails(args.emails, data)
            for concurrency in concurrencies:
                run = measure_emails(args.database_url, args.redis_url, concurrency, delivery_ids)
                results["emails"].append(run)
                print(
                    f"  concurrency {concurrency}: {run['sent']}/{run['emails']} sent in {run['seconds']:.1f} s "
                    f"({run['messages_in_files']} messages in the files)"
                )
        results["load_average_at_end"] = os.getloadavg()
        connection.close()
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)

    if results["fan_out"]:
        print(
            f"\n{'batch size':>10} {'notifications':>14} {'seconds':>8} {'per second':>11} "
            f"{'peak RSS +MiB':>14} {'heap peak MiB':>14}"
        )
        for run in results["fan_out"]:
            print(
                f"{run['batch_size']:>10} {run['notifications']:>14} {run['seconds']:>8.2f} "
                f"{run['notifications_per_second']:>11} {run['peak_rss_growth_mib']:>14} "
                f"{run['python_heap_peak_mib']:>14}"
            )
    if results["emails"]:
        print(f"\n{'concurrency':>11} {'emails':>7} {'seconds':>8} {'emails/s':>9} {'enqueue/s':>10}")
        for run in results["emails"]:
            print(
                f"{run['concurrency']:>11} {run['sent']:>7} {run['seconds']:>8.1f} "
                f"{run['emails_per_second']:>9} {run['enqueued_per_second']:>10}"
            )
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"notifications-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"\nSaved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
