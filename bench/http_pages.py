"""HTTP benchmark of the shopper pages, each beside the cheapest page in the same run.

Starts gunicorn on loopback with the production profile's settings (``DJANGO_ENV=production``:
DEBUG off, persistent database connections, the Redis cache, WhiteNoise's manifest of static
files) against the configured database (``DATABASE_URL``; SQLite by default), loads the demo
data if it is missing, and drives every page with wrk for a fixed time, each request marked as
coming through the TLS proxy (``X-Forwarded-Proto: https``). The figure that holds on any
machine is each page's throughput as a share of ``/ping`` (same middleware, no database).

Redis: ``--redis-url`` (default ``BENCH_REDIS_URL`` or redis://127.0.0.1:6379/6), flushed at
the start so that no cached page of another database is served.

    make bench                     # or: .venv/bin/python bench/http_pages.py --duration 10
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format(
    "WRK_JSON {\\"requests\\": %d, \\"seconds\\": %f, \\"errors\\": %d, \\"non2xx\\": %d, "
    .. "\\"p50_ms\\": %f, \\"p99_ms\\": %f}\\n",
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def _python() -> str:
    return sys.executable


# What the TLS proxy in front of gunicorn sets; without it the production profile redirects to https.
PROXY_HEADER = ("X-Forwarded-Proto", "https")


def production_env(redis_url: str, *, allowed_hosts: str = "127.0.0.1,localhost") -> dict[str, str]:
    """The production profile, as deployed, on loopback (also for bench/server_binding.py)."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="shop.settings",
        DJANGO_ENV="production",
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(40),
        ALLOWED_HOSTS=allowed_hosts,
        REDIS_URL=redis_url,
        DEBUG="0",
        LOG_LEVEL="ERROR",
    )
    return env


def _wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers=dict([PROXY_HEADER]))
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not answer within {timeout}s")


def _pick_paths(env: dict[str, str]) -> list[str]:
    """The cheapest page first, then real pages with slugs taken from the database."""
    script = (
        "import django, json; django.setup();"
        "from catalog.models import Product, Store, Category;"
        "p = Product.objects.active().order_by('id').first();"
        "s = Store.objects.order_by('id').first();"
        "c = Category.objects.filter(parent=None).order_by('id').first();"
        "print(json.dumps([p.slug, s.slug, c.slug]))"
    )
    out = subprocess.run([_python(), "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    product, store, category = json.loads(out.stdout.strip().splitlines()[-1])
    return [
        "/ping",
        "/",
        "/products/",
        "/products/?sort=price_asc&page=2",
        "/search/?q=batik",
        f"/c/{category}/",
        f"/p/{product}/",
        f"/s/{store}/",
        "/api/v1/products/",
    ]


def _session_cookie(env: dict[str, str]) -> str:
    """A session cookie of a demo shopper (signed in, no store), made as a login makes it."""
    script = (
        "import django; django.setup();"
        "from django.conf import settings; from django.test import Client; from shop.models import User;"
        "user = User.objects.filter(store__isnull=True, is_superuser=False, is_active=True).order_by('id').first();"
        "client = Client(); client.force_login(user);"
        "print(settings.SESSION_COOKIE_NAME + '=' + client.cookies[settings.SESSION_COOKIE_NAME].value)"
    )
    out = subprocess.run([_python(), "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def run(
    duration: int,
    connections: int,
    threads: int,
    workers: int,
    port: int,
    redis_url: str,
    only: list[str] | None = None,
    signed_in: bool = False,
) -> list[dict]:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    env = production_env(redis_url)
    # The API's throttles (per address, per user) would answer most of a run with 429: measure the view.
    env.update(API_ANON_RATE="1000000/s", API_USER_RATE="1000000/s")
    # The demo data with its tasks (pictures' renditions) run in this process: no worker runs here.
    setup_env = {**env, "CELERY_TASK_ALWAYS_EAGER": "1"}
    subprocess.run([_python(), "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=setup_env, check=True)
    subprocess.run([_python(), "manage.py", "seed_demo", "--quiet"], cwd=ROOT, env=setup_env, check=True)
    subprocess.run([_python(), "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    paths = _pick_paths(env)
    if only:
        paths = [paths[0]] + [path for path in paths[1:] if any(part in path for part in only)]
    cookie = ["-H", f"Cookie: {_session_cookie(env)}"] if signed_in else []
    gunicorn = subprocess.Popen(
        [
            _python(),
            "-m",
            "gunicorn",
            "shop.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    lua = RESULTS / "report.lua"
    RESULTS.mkdir(parents=True, exist_ok=True)
    lua.write_text(WRK_REPORT)
    results = []
    try:
        _wait_for(base + "/ping")
        for path in paths:
            header = ["-H", f"{PROXY_HEADER[0]}: {PROXY_HEADER[1]}", *cookie]
            subprocess.run(["wrk", "-t1", "-c2", "-d1s", *header, base + path], capture_output=True, check=True)
            out = subprocess.run(
                ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "-s", str(lua), *header, base + path],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
            stats = json.loads(line.removeprefix("WRK_JSON "))
            stats["path"] = path
            stats["rps"] = stats["requests"] / stats["seconds"]
            results.append(stats)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
    cheapest = results[0]["rps"]
    for stats in results:
        stats["share_of_cheapest"] = stats["rps"] / cheapest
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"))
    parser.add_argument(
        "--only", action="append", help="pages whose path holds this text (repeatable); /ping is always measured"
    )
    parser.add_argument(
        "--signed-in", action="store_true", help="every request (/ping too) from a signed-in demo shopper"
    )
    args = parser.parse_args()
    results = run(
        args.duration,
        args.connections,
        args.threads,
        args.workers,
        args.port,
        args.redis_url,
        only=args.only,
        signed_in=args.signed_in,
    )
    database = os.environ.get("DATABASE_URL", "sqlite (default)").split("@")[-1]
    print(
        f"\ndatabase: {database}; production profile; {args.workers} gunicorn workers, "
        f"{args.connections} connections, {args.duration}s each, {'signed in' if args.signed_in else 'anonymous'}"
    )
    print(f"{'page':40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'share of /ping':>15} {'errors':>7}")
    for s in results:
        print(
            f"{s['path']:40} {s['rps']:8.0f} {s['p50_ms']:8.1f} {s['p99_ms']:8.1f} "
            f"{s['share_of_cheapest']:15.2f} {s['errors'] + s['non2xx']:7d}"
        )
    out = RESULTS / f"http_pages-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"args": vars(args), "database": database, "results": results}, indent=2))
    print(f"\nsaved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
