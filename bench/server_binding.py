"""Server-side binding (with psycopg's automatic prepared statements) on against off, in-process.

Each side is its own process (``DB_SERVER_SIDE_BINDING=1`` or ``0``), with the production
profile's settings (``DJANGO_ENV=production``, ``DEBUG`` off, persistent connections, the Redis
cache and sessions) against ``DATABASE_URL`` (PostgreSQL with the demo data: ``make seed``).
Django's test client drives a few pages in a loop: a warm-up, then timed requests, each page
measured with ``time.process_time`` (this process's CPU: Django and psycopg), ``perf_counter``
(wall time, which includes the waits for PostgreSQL) and the CPU of the PostgreSQL backend that
serves the connection (read from ``/proc``: the database must run on this machine). The two
sides alternate, the order swapped each round. At the end of each side, the number of
statements prepared on its request-serving connection (``pg_prepared_statements``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/etalase_ssb \\
        .venv/bin/python bench/server_binding.py --rounds 3 --warmup 50 --requests 500
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from http_pages import production_env

ROOT = Path(__file__).resolve().parent.parent
MODES = ("off", "on")


def _backend_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime are the 14th and 15th fields of the whole line (11th and 12th after the name).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(warmup: int, requests: int) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from shop.models import User
    from social.models import Follow

    follower_ids = Follow.objects.filter(followee__store__isnull=False).values("follower_id")
    user = (
        User.objects.filter(pk__in=follower_ids, store__isnull=True, is_superuser=False, is_active=True)
        .order_by("id")
        .first()
    )
    assert user is not None, "no demo shopper follows a store: seed the demo data first"
    headers = {"X-Forwarded-Proto": "https"}
    signed_in = Client(headers=headers)
    signed_in.force_login(user)
    anonymous = Client(headers=headers)
    pages = [
        ("bell count (signed in)", signed_in, reverse("notifications:count")),
        ("Following, first page (signed in)", signed_in, reverse("social:following")),
        ("For you, first page (signed in)", signed_in, reverse("social:for_you")),
        ("home (anonymous)", anonymous, reverse("home")),
    ]
    results = {}
    for name, client, url in pages:
        for _ in range(warmup):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (backend,) = cursor.fetchone()
        cpu, wall, db_cpu = time.process_time(), time.perf_counter(), _backend_cpu_seconds(backend)
        for _ in range(requests):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        db_cpu = _backend_cpu_seconds(backend) - db_cpu
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (still,) = cursor.fetchone()
        assert still == backend, "the connection was replaced during the timed requests"
        results[name] = {
            "cpu_ms": cpu * 1000 / requests,
            "wall_ms": wall * 1000 / requests,
            "db_cpu_ms": db_cpu * 1000 / requests,
        }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        (prepared,) = cursor.fetchone()
        # Which were prepared, and whether PostgreSQL settled on a generic plan (no planning
        # per execution) or still plans each execution for its values (custom plans).
        cursor.execute(
            "SELECT generic_plans, custom_plans, left(regexp_replace(statement, '\\s+', ' ', 'g'), 90) "
            "FROM pg_prepared_statements ORDER BY generic_plans + custom_plans DESC"
        )
        statements = cursor.fetchall()
    options = connection.settings_dict["OPTIONS"]
    print(
        "RESULT "
        + json.dumps(
            {
                "binding": bool(options.get("server_side_binding")),
                "prepare_threshold": options.get("prepare_threshold"),
                "user": user.pk,
                "prepared": prepared,
                "statements": statements,
                "pages": results,
            }
        )
    )


def _env(mode: str, args: argparse.Namespace) -> dict[str, str]:
    env = production_env(args.redis_url, allowed_hosts="testserver")
    env["DB_SERVER_SIDE_BINDING"] = "1" if mode == "on" else "0"
    return env


def run_side(mode: str, args: argparse.Namespace) -> dict:
    env = _env(mode, args)
    command = [sys.executable, __file__, "--child", "--warmup", str(args.warmup), "--requests", str(args.requests)]
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"the {mode} side failed:\n{out.stdout}\n{out.stderr}")
    line = next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    assert result["binding"] == (mode == "on"), result
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/6")
    parser.add_argument("--statements", action="store_true", help="list the prepared statements of each side")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.warmup, args.requests)
        return
    # The production profile serves static files through WhiteNoise's manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=_env("off", args), check=True
    )
    figures: dict[str, dict[str, dict[str, list[float]]]] = {}
    for round_ in range(args.rounds):
        order = MODES if round_ % 2 == 0 else MODES[::-1]
        for mode in order:
            result = run_side(mode, args)
            print(
                f"round {round_ + 1}, binding {mode}: prepared statements on the connection: {result['prepared']}",
                flush=True,
            )
            for generic, custom, statement in result["statements"] if args.statements else []:
                print(f"    generic {generic:5}  custom {custom:5}  {statement}")
            for page, values in result["pages"].items():
                for measure, value in values.items():
                    figures.setdefault(page, {}).setdefault(measure, {}).setdefault(mode, []).append(value)
                print(
                    f"  {page:36} cpu {values['cpu_ms']:6.2f} ms  wall {values['wall_ms']:6.2f} ms  "
                    f"postgres cpu {values['db_cpu_ms']:5.2f} ms",
                    flush=True,
                )
    print(f"\nper request, median of {args.rounds} rounds [min-max]; change = on against off (medians)")
    for page, measures in figures.items():
        print(page)
        for measure, by_mode in measures.items():
            off, on = by_mode["off"], by_mode["on"]
            change = (statistics.median(on) / statistics.median(off) - 1) * 100
            print(
                f"  {measure:10} off {statistics.median(off):6.2f} [{min(off):.2f}-{max(off):.2f}]  "
                f"on {statistics.median(on):6.2f} [{min(on):.2f}-{max(on):.2f}]  {change:+6.1f} %"
            )


if __name__ == "__main__":
    main()
