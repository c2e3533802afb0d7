"""Recording events at 10,000 a second while the feed benchmark runs (part of ``make
bench-insights``; alone: ``--only-under-feed``).

The target (issue 20): the feed pages' share of ``/ping`` moves by no more than 5 % against a
run without recording, and no event is lost.

- The feed side is ``feed_load.py``'s: its database (``etalase_bench``, made by ``make
  bench-feed-data``), gunicorn with its settings (sync workers, DEBUG off, Redis as the
  shared cache, persistent connections), wrk with the signed-in user's session and CSRF
  cookies, ``/ping`` and the four feed pages (Following and For you, first page and page 10).
- The recording side is production's path: a load generator (a process of its own, Django
  set up with the same settings) records events through ``shop.events.record`` inside a
  request's viewer (the crawler check, the visitor id), ``flush()`` pushing each simulated
  request's events to the Redis list (one RPUSH, as the middleware does); a real Celery
  worker (``celery -A shop worker``) runs ``insights.tasks.drain_events_task``, which the
  generator sends every ``--drain-every`` seconds as beat does, and the sink COPYs them
  into the feed database's ``insights_event`` (and its touches into ``insights_touch``).
  The generator paces itself to ``--rate`` events a second (``--per-push`` a request: tag
  taps, product views, mostly impressions).
- What is measured is the cost recording puts on the pages (the Redis pushes and list, the
  drain worker, its COPY into PostgreSQL and the touches), not the cost of the synthetic
  generators: they stand in for the site's other requests that record (in production each
  pays its few microseconds of ``record`` inside that request, which these pages do not
  serve), so they run at the lowest CPU priority (``--generator-nice``, 19: they get only the
  CPU the pages leave idle) and their own CPU time is reported apart. The drain ticks come
  from a process of their own at normal priority (beat's part), and so does the drain worker
  (recording's real cost; its CPU time is reported too). A run whose generators fell short of
  the rate (under 95 %) does not count as meeting the target.
- Interleaved: in each of ``--rounds`` rounds every page is measured without recording and
  with it (the order of the two alternating from round to round), the worker running
  throughout. Before a block without recording, what is left in Redis is drained first.
- No loss: the event table is emptied first; at the end the generator stops, the list is
  drained to empty, and the rows stored must equal the events sent.

Printed and saved as JSON under bench/results/ (``insights-under-feed-*.json``): per page and
mode requests/s, p50/p99 and share of ``/ping``, the share's move in %, the generators'
achieved rate and CPU time, the drain worker's CPU time, the Redis backlog's peak, events
sent and stored.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import feed_load
from notifications_bench import ROOT, celery_worker, stop_worker

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"
TARGET_MOVE = 0.05
MODES = ("without", "with")


# --- The load generator (a subprocess with Django set up) ------------------------------------


def run_recorder(
    *, control: Path, rate: int, per_push: int, drain_every: float, ticker: bool, seed: int, nice: int = 0
) -> None:
    """Record ``rate`` events a second while ``control`` says "on" (at CPU priority ``nice``).
    The ``ticker`` (which records nothing: ``rate`` 0) sends the drain task every
    ``drain_every`` seconds throughout, as beat does. On "stop", each hands on what it holds;
    the generators then report and end, the ticker keeps the drain going until ``control``
    says "finish" and Redis is empty, then reports."""
    if nice:
        os.nice(nice)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from insights.tasks import drain_events_task
    from shop import events
    from shop.events import EventName, Source

    request = RequestFactory().get("/feed/for-you/", headers={"User-Agent": BROWSER})
    request.user = AnonymousUser()
    rng = random.Random(seed)
    kinds = [EventName.POST_IMPRESSION] * 8 + [EventName.TAG_TAP, EventName.PRODUCT_VIEW]
    sent = on_sent = drain_ticks = max_backlog = 0
    on_seconds = 0.0
    state, on_since = "off", 0.0
    next_check = next_drain = 0.0
    print("RECORDER READY", flush=True)
    while True:
        now = time.monotonic()
        if now >= next_check:
            wanted = control.read_text().strip() if control.exists() else "off"
            if wanted != state:
                if state == "on":
                    on_seconds += now - on_since
                if wanted == "on":
                    on_since, on_sent = now, 0
                state = wanted
            next_check = now + 0.05
            if state in ("stop", "finish"):
                break
        if ticker and now >= next_drain:
            drain_events_task.delay()
            drain_ticks += 1
            max_backlog = max(max_backlog, events.waiting_in_redis())
            next_drain = now + drain_every
        if state != "on" or not rate:  # the ticker records nothing
            time.sleep(0.01)
            continue
        owed = int((now - on_since) * rate) - on_sent
        pushes = min(owed // per_push, 200)  # catch up in bounded steps: the control is read often
        if pushes <= 0:
            time.sleep(0.001)
            continue
        for _ in range(pushes):
            # One simulated request: its viewer (a visitor's cookie), its events, one RPUSH.
            request.COOKIES[events.VISITOR_COOKIE] = str(rng.randrange(1, 50_000))
            with events.viewing(events.Viewer(request)):
                for _ in range(per_push):
                    store = rng.randrange(1, 201)
                    events.record(
                        rng.choice(kinds),
                        store_id=store,
                        post_id=rng.randrange(1, 200_001),
                        product_id=store * 10 + rng.randrange(10),
                        source=Source.FOR_YOU,
                    )
            events.flush()
        sent += pushes * per_push
        on_sent += pushes * per_push
    # Stopped: whatever this process still holds goes out; the ticker then drains Redis to
    # empty once every generator has stopped ("finish").
    while events.buffered():
        events.flush()
        time.sleep(0.1)
    began = time.monotonic()
    while ticker:
        waiting = events.waiting_in_redis()
        max_backlog = max(max_backlog, waiting)
        if not waiting and control.read_text().strip() == "finish":
            break
        drain_events_task.delay()
        drain_ticks += 1
        time.sleep(drain_every if waiting else 0.2)
    report = {
        "sent": sent,
        "seconds_recording": round(on_seconds, 1),
        "achieved_per_second": round(sent / on_seconds) if on_seconds else 0,
        "max_backlog_pushes": max_backlog,
        "drain_ticks": drain_ticks,
        "final_drain_seconds": round(time.monotonic() - began, 1),
        "cpu_seconds": round(_own_cpu_seconds(), 2),
        "nice": os.nice(0),
    }
    print("RECORDER_JSON " + json.dumps(report), flush=True)


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def session_cpu_seconds(session: int) -> float:
    """CPU time (user + system) of the live processes of a session (a benchmark's worker started
    with ``start_new_session``: its pool's children included), from ``/proc``."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        # After the command's ")": state, ppid, pgrp, session, ... utime (12th), stime (13th).
        if int(fields[3]) == session:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


# --- The orchestration -----------------------------------------------------------------------


def _psql(database: str, sql: str) -> str:
    command = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atc", sql]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def _waiting(redis_url: str) -> int:
    import redis

    sys.path.insert(0, str(ROOT))
    from shop.events import REDIS_KEY

    return redis.Redis.from_url(redis_url).llen(REDIS_KEY)


def _settle(redis_url: str, timeout: float = 60) -> float:
    """Wait until the events' list is empty (the worker drained it); seconds waited."""
    began = time.monotonic()
    while _waiting(redis_url) and time.monotonic() - began < timeout:
        time.sleep(0.2)
    return time.monotonic() - began


def measure(args) -> dict:
    database = args.feed_database
    feed_load.ensure_database(database, 1, args.feed_redis_url, args.generate_feed)
    env = feed_load._env(database, args.feed_redis_url)
    env.update({"CELERY_TASK_ALWAYS_EAGER": "0", "EVENTS_REDIS_URL": args.feed_redis_url})
    feed_load._flush_cache(args.feed_redis_url)
    _psql(database, "TRUNCATE insights_event")
    prepared = feed_load._prepare(env)
    cookie = f"sessionid={prepared['session']}"
    feed_load.RESULTS.mkdir(parents=True, exist_ok=True)  # a fresh checkout has none
    control = feed_load.RESULTS / f"recording-control-{os.getpid()}"
    control.write_text("off")
    lua = feed_load.RESULTS / "feed_report.lua"
    lua.write_text(feed_load.WRK_REPORT)
    pages = [
        ("/ping", "/ping", "cheapest"),
        ("Following, first page", feed_load.FOLLOWING_URL, "feed"),
        (f"Following, page {feed_load.DEEP_PAGE}", feed_load.FOLLOWING_URL + "?cursor={following_cursor}", "feed"),
        ("For you, first page", feed_load.FOR_YOU_URL, "feed"),
        (f"For you, page {feed_load.DEEP_PAGE}", feed_load.FOR_YOU_URL + "?cursor={for_you_cursor}", "feed"),
    ]
    worker_log = open(feed_load.RESULTS / f"recording-worker-{os.getpid()}.log", "w+b")  # noqa: SIM115
    worker = celery_worker("insights-drain", env=env, log=worker_log, concurrency=args.drain_concurrency)
    worker_cpu_before = 0.0

    def recorder(number: int) -> subprocess.Popen:
        """Number 0 is the ticker (beat's part: drain ticks, no events, normal priority); the
        others are the generators, sharing the rate at ``--generator-nice``."""
        rate = 0 if number == 0 else args.rate // args.recorders + (1 if number - 1 < args.rate % args.recorders else 0)
        return subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--recorder",
                "--control",
                str(control),
                "--rate",
                str(rate),
                "--per-push",
                str(args.per_push),
                "--drain-every",
                str(args.drain_every),
                "--seed",
                str(20261206 + number),
                *(["--ticker"] if number == 0 else ["--nice", str(args.generator_nice)]),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    recorders = [recorder(number) for number in range(args.recorders + 1)]
    gunicorn = feed_load.start_gunicorn(env, port=args.feed_port, workers=args.feed_workers)
    base = f"http://127.0.0.1:{args.feed_port}"
    rounds: dict[tuple[str, str], list[dict]] = {}
    settled = []
    report = None
    try:
        for process in recorders:
            if process.stdout.readline().strip() != "RECORDER READY":
                raise SystemExit("the load generator did not start")
        feed_load._wait_for(base + "/ping")
        cookie = feed_load._with_csrf_cookie(base + feed_load.FOLLOWING_URL, cookie)
        worker_cpu_before = session_cpu_seconds(worker.pid)
        seconds = max(1, round(args.feed_duration / args.feed_rounds))
        for number in range(args.feed_rounds):
            order = MODES if number % 2 == 0 else tuple(reversed(MODES))
            for mode in order:
                if mode == "with":
                    control.write_text("on")
                    time.sleep(args.feed_warm_up)  # the generator at its pace, the drain under way
                else:
                    control.write_text("off")
                    settled.append(round(_settle(args.feed_redis_url), 1))
                for label, path, kind in pages:
                    path = path.format(**{f"{name}_cursor": value for name, value in prepared["cursors"].items()})
                    if number == 0 and mode == order[0]:
                        check = feed_load._check_page(base + path, cookie)
                        if kind == "feed" and (check["status"] != 200 or not check["signed_in"]):
                            raise SystemExit(f"{path} does not show the signed-in user's feed: {check}")
                    if number == 0:
                        feed_load._warm_up(base + path, cookie)
                    stats = feed_load._wrk(base + path, cookie, lua, seconds, args.feed_connections, args.feed_threads)
                    rounds.setdefault((mode, label), []).append(stats)
                    if getattr(args, "verbose", True):
                        print(f"  round {number + 1} {mode:<8} recording: {label:<22} {stats['rps']:8.0f} req/s")
        control.write_text("stop")
        outs = [process.communicate(timeout=args.final_drain_timeout)[0] for process in recorders[1:]]
        control.write_text("finish")
        outs.insert(0, recorders[0].communicate(timeout=args.final_drain_timeout)[0])
        worker_cpu = session_cpu_seconds(worker.pid) - worker_cpu_before
        reports = []
        for out in outs:
            line = next((line for line in out.splitlines() if line.startswith("RECORDER_JSON ")), None)
            if line is None:
                raise SystemExit(f"a load generator gave no report:\n{out}")
            reports.append(json.loads(line.removeprefix("RECORDER_JSON ")))
        generators = reports[1:]
        seconds_recording = reports[0]["seconds_recording"]
        report = {
            "generators": len(generators),
            "generator_nice": max(r["nice"] for r in generators),  # as the generators saw it
            "sent": sum(r["sent"] for r in generators),
            "seconds_recording": seconds_recording,
            "achieved_per_second": sum(r["achieved_per_second"] for r in generators),
            "max_backlog_pushes": reports[0]["max_backlog_pushes"],
            "drain_ticks": reports[0]["drain_ticks"],
            "final_drain_seconds": reports[0]["final_drain_seconds"],
            # The generators' own CPU (not recording's cost on the pages: see the module).
            "generator_cpu_seconds": round(sum(r["cpu_seconds"] for r in generators), 2),
            "ticker_cpu_seconds": reports[0]["cpu_seconds"],
            # The drain worker's, from the first block to the end of the final drain (recording's cost).
            "drain_worker_cpu_seconds": round(worker_cpu, 2),
        }
    finally:
        control.write_text("finish")
        for process in recorders:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        feed_load.stop_gunicorn(gunicorn)
        stop_worker(worker)
        control.unlink(missing_ok=True)
    stored = int(_psql(database, "SELECT count(*) FROM insights_event"))
    results = []
    for mode in MODES:
        ping = None
        for label, _path, kind in pages:
            runs = rounds[(mode, label)]
            rps = sum(run["requests"] for run in runs) / sum(run["seconds"] for run in runs)
            ping = rps if kind == "cheapest" else ping
            results.append(
                {
                    "mode": mode,
                    "page": label,
                    "kind": kind,
                    "rps": round(rps, 1),
                    "share_of_ping": rps / ping,
                    "p50_ms": sorted(run["p50_ms"] for run in runs)[len(runs) // 2],
                    "p99_ms": max(run["p99_ms"] for run in runs),
                    "errors": sum(run["errors"] + run["non2xx"] for run in runs),
                    "rounds_rps": [round(run["rps"], 1) for run in runs],
                }
            )
    moves = {}
    for label, _path, kind in pages:
        if kind != "feed":
            continue
        without = next(r for r in results if r["mode"] == "without" and r["page"] == label)["share_of_ping"]
        with_ = next(r for r in results if r["mode"] == "with" and r["page"] == label)["share_of_ping"]
        moves[label] = {"without": round(without, 3), "with": round(with_, 3), "move": round(with_ / without - 1, 4)}
    worst = max(abs(move["move"]) for move in moves.values())
    # A starved generator recorded less than asked: its "with" blocks would prove nothing.
    rate_kept = report["achieved_per_second"] >= 0.95 * args.rate
    return {
        "database": database,
        "prepared": {k: v for k, v in prepared.items() if k not in ("session", "cursors")},
        "pages": results,
        "shares": moves,
        "worst_move": worst,
        "rate_kept": rate_kept,
        "move_target_met": worst <= TARGET_MOVE and rate_kept,
        "recorder": report,
        "settle_seconds_before_without": settled,
        "events_sent": report["sent"],
        "events_stored": stored,
        "events_lost": report["sent"] - stored,
        "load_average": [round(load, 1) for load in os.getloadavg()],
    }


def print_summary(run: dict, args) -> None:
    print(
        f"\nRecording under the feed benchmark: {args.feed_workers} gunicorn workers, "
        f"wrk {args.feed_threads} threads x {args.feed_connections} connections, "
        f"{args.feed_duration} s per page and mode over {args.feed_rounds} rounds, "
        f"recording at {args.rate:,} events/s ({args.per_push} a push), drain every {args.drain_every} s"
    )
    print(f"{'page':<24} {'mode':<8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'share':>7} {'errors':>7}")
    for row in run["pages"]:
        print(
            f"{row['page']:<24} {row['mode']:<8} {row['rps']:8.0f} {row['p50_ms']:8.1f} {row['p99_ms']:8.1f} "
            f"{row['share_of_ping']:7.3f} {row['errors']:7d}"
        )
    for label, move in run["shares"].items():
        print(f"  {label:<24} share {move['without']:.3f} -> {move['with']:.3f}: {move['move'] * 100:+.1f} %")
    recorder = run["recorder"]
    print(
        f"Worst move {run['worst_move'] * 100:.1f} % (target: 5 % or less) -> "
        f"{'met' if run['move_target_met'] else 'MISSED'}; recording achieved {recorder['achieved_per_second']:,}/s "
        f"over {recorder['seconds_recording']} s, Redis backlog peak {recorder['max_backlog_pushes']:,} pushes; "
        f"events sent {run['events_sent']:,}, stored {run['events_stored']:,}, lost {run['events_lost']:,}"
    )
    print(
        f"CPU time: the drain worker {recorder['drain_worker_cpu_seconds']} s (recording's cost, normal priority); "
        f"the {recorder['generators']} generator(s) {recorder['generator_cpu_seconds']} s at nice "
        f"{recorder['generator_nice']} (the synthetic load, not counted in the share), the ticker "
        f"{recorder['ticker_cpu_seconds']} s"
    )
    if not run["rate_kept"]:
        print(
            f"NOTE: the generators kept {recorder['achieved_per_second']:,} of {args.rate:,} events/s (the CPU left "
            "to them): the 'with' blocks recorded less than asked, so the target is not counted as met "
            "(--recorders, a quieter machine, or --generator-nice 0)"
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("recording under the feed benchmark")
    group.add_argument("--rate", type=int, default=10_000, help="events recorded a second while recording")
    group.add_argument("--per-push", type=int, default=10, help="events of one simulated request (one RPUSH)")
    group.add_argument("--recorders", type=int, default=1, help="load generator processes sharing the rate")
    group.add_argument(
        "--generator-nice",
        type=int,
        default=19,
        help="the generators' CPU priority (19: lowest; 0: as the pages, the old way)",
    )
    group.add_argument("--drain-every", type=float, default=5.0, help="seconds between drain tasks (beat: 5)")
    group.add_argument("--drain-concurrency", type=int, default=1, help="the drain worker's processes")
    group.add_argument("--feed-duration", type=int, default=24, help="seconds per page and mode, over all rounds")
    group.add_argument("--feed-rounds", type=int, default=4, help="rounds; each measures every page without and with")
    group.add_argument("--feed-warm-up", type=float, default=2.0, help="seconds of recording before a 'with' block")
    group.add_argument("--feed-connections", type=int, default=8)
    group.add_argument("--feed-threads", type=int, default=2, help="wrk threads")
    group.add_argument("--feed-workers", type=int, default=4, help="gunicorn sync workers")
    group.add_argument("--feed-port", type=int, default=8767)
    group.add_argument("--feed-database", default="etalase_bench", help="the feed benchmark's base database")
    group.add_argument("--generate-feed", action="store_true", help="make the feed database first if missing")
    group.add_argument(
        "--feed-redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
        help="cache, broker and events' list of the served site (flushed)",
    )
    group.add_argument("--final-drain-timeout", type=float, default=600, help="seconds to drain what is left")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recorder", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--control", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--ticker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=20261206, help=argparse.SUPPRESS)
    parser.add_argument("--nice", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--quiet", dest="verbose", action="store_false")
    add_arguments(parser)
    args = parser.parse_args()
    if args.recorder:
        run_recorder(
            control=args.control,
            rate=args.rate,
            per_push=args.per_push,
            drain_every=args.drain_every,
            ticker=args.ticker,
            seed=args.seed,
            nice=args.nice,
        )
        return
    run = measure(args)
    print_summary(run, args)
    feed_load.RESULTS.mkdir(parents=True, exist_ok=True)
    out = feed_load.RESULTS / f"insights-under-feed-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"args": vars(args) | {"control": None}, "run": run}, indent=2, default=str))
    print(f"saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
