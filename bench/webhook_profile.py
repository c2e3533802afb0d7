"""What one WhatsApp webhook delivery costs the web process, in this process.

Production settings (``DJANGO_ENV=production``: persistent database connections, the Redis
cache, tasks handed to Redis, the whole middleware stack) on a fresh database (created,
migrated and dropped, as ``bench/webhook_bench.py`` does) and ``--redis-url``. A store with its
number connected, then ``--requests`` signed deliveries (one text message each, as the
benchmark posts them) through the WSGI application itself, as gunicorn calls it (after 50
warm-up deliveries). Prints:

- CPU ms per delivery (this process's time: parsing, the view, the ORM, the hand-over), the
  CPU of the PostgreSQL backend serving it (same machine: read from /proc), and wall ms;
- the SQL queries and Redis round trips of one delivery;
- with ``--profile``, a cProfile of all the deliveries (cumulative time);
- with ``--callgrind``, nothing else: run it under valgrind, and only the deliveries are
  counted (instructions are immune to the machine's other load)::

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/wh.%p \\
        .venv/bin/python bench/webhook_profile.py --callgrind --requests 100
    callgrind_annotate /tmp/wh.<pid> | head   # "PROGRAM TOTALS" / 100 = instructions a delivery

    .venv/bin/python bench/webhook_profile.py --profile
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import webhook_bench  # noqa: E402 (the payloads, the signature, the database helpers)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/etalase_bench_webhook_profile"
WARM_UP = 50


def production_env(database_url: str, redis_url: str) -> dict:
    env = webhook_bench._env(database_url, redis_url)
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        LOG_LEVEL="WARNING",
    )
    return env


def wsgi_poster():
    """A function posting one delivery through the WSGI application, as gunicorn would."""
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()

    def post(body: bytes) -> int:
        headers = webhook_bench.signed(body)
        environ = {
            "REQUEST_METHOD": "POST",
            "SCRIPT_NAME": "",
            "PATH_INFO": "/channels/whatsapp/webhook/",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_X_FORWARDED_PROTO": "https",  # what the TLS proxy in front of gunicorn sets
            "HTTP_USER_AGENT": "facebookexternalua",
            "CONTENT_TYPE": headers["Content-Type"],
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_HUB_SIGNATURE_256": headers["X-Hub-Signature-256"],
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status = []
        result = application(environ, lambda s, h, exc_info=None: status.append(s))
        b"".join(result)
        if hasattr(result, "close"):
            result.close()
        return int(status[0].split()[0])

    return post


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_WEBHOOKS_PROFILE_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--profile", action="store_true", help="cProfile over the deliveries (cumulative)")
    parser.add_argument("--top", type=int, default=50, help="functions shown with --profile")
    parser.add_argument("--callgrind", action="store_true", help="running under callgrind: count only the deliveries")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    env = production_env(args.database_url, args.redis_url)
    webhook_bench.create_database(args.database_url, args.redis_url)
    try:
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connection, connections
        from django.test.utils import CaptureQueriesContext

        from chat.channels.models import WebhookEvent
        from shop.celery import app

        webhook_bench.prepare()
        app.control.purge()
        import chat_send_profile

        redis_counter = chat_send_profile.RedisCounter()
        redis_counter.install()
        post = wsgi_poster()
        counter = iter(range(10**9))

        def one() -> None:
            status = post(webhook_bench.delivery(next(counter)))
            if status != 200:
                raise SystemExit(f"a delivery was answered {status}")

        for _ in range(WARM_UP):
            one()
        if args.callgrind:
            subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True, capture_output=True)
            for _ in range(args.requests):
                one()
            subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True, capture_output=True)
            print(f"{args.requests} deliveries counted")
            return
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        began_backend = webhook_bench._cpu_seconds(backend)
        began_cpu, began = time.process_time(), time.perf_counter()
        for _ in range(args.requests):
            one()
        cpu = (time.process_time() - began_cpu) * 1000 / args.requests
        wall = (time.perf_counter() - began) * 1000 / args.requests
        backend_cpu = (webhook_bench._cpu_seconds(backend) - began_backend) * 1000 / args.requests
        if profiler:
            profiler.disable()
        redis_counter.enabled = True
        with CaptureQueriesContext(connection) as queries:
            one()
        redis_counter.enabled = False
        stored = WebhookEvent.objects.count()
        print(
            f"{args.requests} deliveries: CPU {cpu:.2f} ms each (this process), {backend_cpu:.2f} ms (its PostgreSQL "
            f"backend), wall {wall:.2f} ms; {stored} stored"
        )
        print(f"queries of one delivery: {len(queries)}")
        for query in queries.captured_queries:
            print(f"  {query['sql'][:160]}")
        print(
            f"Redis round trips of one delivery: {sum(redis_counter.commands.values())} {dict(redis_counter.commands)}"
        )
        print(f"load average {os.getloadavg()}")
        if profiler:
            import pstats

            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
    finally:
        try:
            from shop.celery import app

            app.control.purge()
        except Exception:  # tidying up; the figures are printed already
            pass
        from django.db import connections

        connections.close_all()
        if not args.keep:
            webhook_bench.drop_database(args.database_url)


if __name__ == "__main__":
    main()
