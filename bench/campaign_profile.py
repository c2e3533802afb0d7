"""The per-email cost of sending a campaign, in one process, old engine against new, same run.

Not the throughput benchmark (``campaign_bench.py``, a real worker): this sends a campaign of
``--recipients`` personalised emails (about 22 kB each, the benchmark's blocks) chunk after
chunk in this process (``engine.send_chunk`` with the production chunk size), to aiosmtpd in a
process of its own, and measures this process's CPU time and the wall time per email. The
engine "before" is ``marketing/campaigns/engine.py`` as it was at ``--before`` (read with
``git show`` and loaded as a module of its own next to today's); the rounds alternate
before/after so the machine's load falls on both alike. ``--profile`` adds one cProfile'd
round of each and prints where the time goes.

PostgreSQL (``--database-url``, default ``etalase_bench_campaign_profile``: created, migrated,
dropped at the end) with the production profile (DEBUG off). Each round gets a store and
contacts of its own (the weekly cap never bites).

    .venv/bin/python bench/campaign_profile.py --recipients 2000 --rounds 3 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import multiprocessing
import os
import pstats
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from campaign_bench import (  # noqa: E402
    _django,
    campaign_blocks,
    create_database,
    drop_database,
    free_port,
    generate_mailable,
    load,
    make_store,
    production_env,
    smtp_server,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/etalase_bench_campaign_profile"
DEFAULT_BEFORE = "a1b9d01"


def engine_at(revision: str) -> types.ModuleType:
    """``marketing.campaigns.engine`` as it was at ``revision``, as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{revision}:marketing/campaigns/engine.py"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    spec = importlib.util.spec_from_loader("engine_before", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__file__ = f"<engine at {revision}>"
    # Our own file, as committed at ``revision``.
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def prepared_campaign(number: int, recipients: int):
    """A store of its own with ``recipients`` mailable contacts and a sending campaign whose
    audience is written (what ``start_campaign`` does, without handing chunks to a broker)."""
    from marketing.campaign_models import Campaign
    from marketing.campaigns import engine
    from marketing.campaigns.services import save_campaign

    owner, store, products = make_store(f"bench-profile-{os.getpid()}-{number}")
    generate_mailable(store, recipients)
    campaign = save_campaign(
        store=store,
        data={
            "name": "Koleksi baru",
            "subject": "Koleksi baru",
            "preheader": "Untuk Anda",
            "blocks": campaign_blocks(store, products),
        },
    )
    engine.materialise_recipients(campaign)
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.SENDING, audience_ready=True)
    return campaign


def send_all(module, campaign_id: int) -> int:
    sent = 0
    while True:
        chunk = module.send_chunk(campaign_id, hand_over_next=lambda _campaign_id: None)
        if not chunk:
            return sent
        sent += chunk


def one_round(module, campaign, *, profile: bool = False) -> dict:
    from django.db.models import Count

    from marketing.campaign_models import Recipient

    profiler = cProfile.Profile() if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    sent = send_all(module, campaign.pk)
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    states = dict(Recipient.objects.filter(campaign=campaign).values_list("state").annotate(n=Count("pk")))
    result = {
        "sent": sent,
        "states": states,
        "cpu_ms_per_email": round(1000 * cpu / max(sent, 1), 3),
        "wall_ms_per_email": round(1000 * wall / max(sent, 1), 3),
        "emails_per_s": round(sent / wall, 1) if wall else 0,
    }
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        result["profile"] = out.getvalue()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_PROFILE_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12"))
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each engine, alternating")
    parser.add_argument("--before", default=DEFAULT_BEFORE, help="the git revision of the engine 'before'")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if "bench" not in args.database_url.rsplit("/", 1)[-1]:
        raise SystemExit("the database's name must contain 'bench' (it is dropped)")

    parent, child = multiprocessing.Pipe()
    port = free_port()
    server = multiprocessing.Process(target=smtp_server, args=(port, child), daemon=True)
    server.start()
    assert parent.recv() == "ready"
    env = production_env(args.database_url, args.redis_url)
    env.update({"EMAIL_URL": f"smtp://127.0.0.1:{port}", "MARKETING_WEEKLY_CAP": str(10**6)})
    os.environ.pop("EMAIL_BACKEND", None)
    create_database(args.database_url, env)
    try:
        _django(env)
        from marketing.campaigns import engine as after

        before = engine_at(args.before)
        engines = {"before": before, "after": after}
        print(f"load {load()}; {args.recipients} emails a round; before = engine at {args.before}")
        campaigns = {
            (name, n): prepared_campaign(len(engines) * n + index, args.recipients)
            for n in range(args.rounds + (1 if args.profile else 0))
            for index, name in enumerate(engines)
        }
        # Warm-up: templates, translations, the connection.
        warm = prepared_campaign(999, 50)
        send_all(after, warm.pk)
        results: dict[str, list[dict]] = {name: [] for name in engines}
        for n in range(args.rounds):
            for name, module in engines.items():
                parent.send("reset")
                parent.recv()
                result = one_round(module, campaigns[name, n])
                parent.send("report")
                report = parent.recv()
                twice = sum(1 for count in report["received"].values() if count > 1)
                result["server_messages"], result["twice"] = report["messages"], twice
                result["bytes_per_email"] = report["bytes"] // max(report["messages"], 1)
                result["personalised"] = report["personalised"]
                result["load"] = load()
                results[name].append(result)
                print(f"  {name:6} round {n + 1}: {result}")
        for name, rows in results.items():
            cpu = statistics.median(row["cpu_ms_per_email"] for row in rows)
            wall = statistics.median(row["wall_ms_per_email"] for row in rows)
            print(f"{name:6}: median CPU {cpu:.2f} ms/email, wall {wall:.2f} ms/email ({1000 / wall:.0f} emails/s)")
        if args.profile:
            for name, module in engines.items():
                result = one_round(module, campaigns[name, args.rounds], profile=True)
                print(f"\n=== cProfile, {name} ({result['sent']} emails) ===\n{result['profile']}")
    finally:
        from django.db import connections

        connections.close_all()
        parent.send("stop")
        server.join(5)
        if not args.keep:
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
