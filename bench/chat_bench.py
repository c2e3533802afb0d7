"""Live chat on one machine, as deployed: the real path beside a bare Channels consumer.

1. The real path. Servers as in production (README, "Live chat (WebSockets)"): ``DJANGO_ENV=
   production`` (DEBUG off, persistent database connections, Redis cache and channel layer),
   PostgreSQL, ONE daphne process serving ``/ws/`` (``shop.asgi``) and gunicorn (``--workers``
   sync workers) serving the API. ``--conversations`` conversations (default 500), each between
   its own shopper and its own store's owner, so twice as many sockets (1,000), each
   authenticated by its person's API token. The client (``chat_harness``, asyncio and aiohttp,
   in this process) sends ``--rate`` messages a second in all (default 200) for ``--seconds``
   (default 30) through ``POST /api/v1/chat/conversations/<id>/messages/``: token, permission
   checks, the message row, unread counts, the notification, publish on commit; the receipt is
   the ``message`` event on the recipient's socket. Then the rate steps up (``--steps``, each
   ``--step-seconds`` long) until it saturates: p99 past ``--saturation-ms`` (1 s), less than
   95 % of the rate accepted, or 3 s worth of sends waiting for an answer (the step stops
   there). When the main rate saturates already, it steps down to 1/2, 1/4, 1/8 of it until
   one holds. ``--send-over socket,api`` (the default) runs all of it twice, side by side:
   first sending with the socket's own ``send`` frame (``{"type": "send", ...}`` on the
   sender's socket, answered ``sent``: the same service, run by daphne, no gunicorn), then
   through the API as above. Finally every socket resyncs what it missed (``resync``
   from the last id it had before the gap): messages missed on the socket, recovered by
   resync, and lost after resync (committed, in the database, but neither delivered nor
   fetched: must be 0).

2. The bare consumer (``bench/chat_bare.py``) on the same daphne, Redis layer and database:
   the message goes over the sender's socket, is INSERTed, and is relayed by ``group_send``.
   Same sockets, rates and steps; what the layer drops is lost.

   For both: memory per idle socket = (RSS of the daphne process with every socket open and
   idle - RSS with none, after a warm-up) / sockets; the CPU each process spends per message
   accepted, above what it spends idle with every socket open (measured for 10 s first).

3. Queries. A seller with 10 conversations and a thread of 10 messages, and one with
   ``--inbox-conversations`` (10,000) and a thread of ``--thread-messages`` (50,000): the
   inbox and the thread, page and API, in this process through Django's test client (the
   production settings): queries of one request (must be equal at both sizes) and p50.

The database (default postgres://postgres@127.0.0.1:5432/etalase_bench_chat) is created afresh
(its name must contain "bench"), migrated and dropped at the end (``--keep`` keeps it). Redis:
``--redis-url`` (default redis://127.0.0.1:6379/4), flushed at the start. About 5 minutes.

    make bench-chat
    make bench-chat BENCH_ARGS="--seconds 10 --steps 400 --skip-queries"
    make bench-chat BENCH_ARGS="--send-over api --skip-bare --skip-queries"

Results are printed and saved as JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_harness import BACKLOG_SECONDS
from notifications_bench import ROOT, create_database, drop_database

RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/etalase_bench_chat"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/4"
TICKS = os.sysconf("SC_CLK_TCK")
WARM_UP_SECONDS = 3
IDLE_SECONDS = 10


def production_env(database_url: str, redis_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
        "PYTHONUNBUFFERED": "1",
    }


def _django(env: dict) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- Processes ---------------------------------------------------------------------------------


def free_port() -> int:
    for port in range(18100, 18400):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port in 18100-18399")


def wait_listening(port: int, process: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not listen on {port} within {timeout} s")


def start(command: list[str], env: dict, log: Path, port: int, what: str) -> subprocess.Popen:
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    wait_listening(port, process, what)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _stat(pid: int) -> tuple[int, int]:
    """(CPU ticks, parent pid) of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12]), int(fields[1])


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if _stat(int(entry.name))[1] == pid:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            total += _stat(pid)[0]
        except FileNotFoundError:
            continue
    return total / TICKS


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise SystemExit(f"no VmRSS for {pid}")


def cpu_probe(daphne: subprocess.Popen, gunicorn: subprocess.Popen | None):
    workers = children(gunicorn.pid) + [gunicorn.pid] if gunicorn else []

    def probe() -> dict:
        sample = {"wall": time.monotonic(), "daphne": cpu_seconds([daphne.pid]), "client": time.process_time()}
        if workers:
            sample["gunicorn"] = cpu_seconds(workers)
        return sample

    return probe


# --- The live parts ----------------------------------------------------------------------------


async def live(harness, args, pid: int, cpu, make_sessions, after) -> dict:
    """Open the sockets (measuring memory), run the main rate and the steps, then ``after``."""
    from chat_harness import ws_session

    async with ws_session() as session, make_sessions() as extra:
        harness.http = extra
        await harness.open_sockets(session, count=10)
        await harness.close_sockets()
        await asyncio.sleep(2)
        empty = rss_kib(pid)
        connect = await harness.open_sockets(session)
        await asyncio.sleep(3)
        full = rss_kib(pid)
        memory = {
            "sockets": len(harness.sockets),
            "connect_seconds": round(connect, 1),
            "rss_no_sockets_mib": round(empty / 1024, 1),
            "rss_all_idle_mib": round(full / 1024, 1),
            "kib_per_idle_socket": round((full - empty) / len(harness.sockets), 1),
        }
        print(f"  {memory['sockets']} sockets open in {connect:.1f} s: {memory['kib_per_idle_socket']} kB each idle")
        # Warm-up, not reported: each server process loads its code on its first requests
        # (seconds on a busy machine), and the publishing loop connects to Redis.
        await harness.run_step(args.warm_up_rate, WARM_UP_SECONDS, cpu)
        before = cpu()
        await asyncio.sleep(IDLE_SECONDS)  # what the open sockets cost when nothing is sent
        after_idle = cpu()
        wall = after_idle["wall"] - before["wall"]
        idle = {name: 100 * (after_idle[name] - before[name]) / wall for name in before if name != "wall"}
        memory["idle_cpu_percent"] = {name: round(value, 1) for name, value in idle.items()}
        print(f"  CPU % with every socket open and nothing sent: {memory['idle_cpu_percent']}")
        steps = []
        rates = [args.rate] + args.steps
        while rates:
            rate = rates.pop(0)
            step = await harness.run_step(rate, args.seconds if not steps else args.step_seconds, cpu)
            step["load_average"] = round(os.getloadavg()[0], 2)
            step["saturated"] = (
                step["stopped_after_s"] is not None
                or step["achieved_per_second"] < 0.95 * rate
                or step["latency_p99_ms"] is None
                or step["latency_p99_ms"] > args.saturation_ms
            )
            step["cpu_ms_per_message_above_idle"] = {
                name: round(ms * max(0.0, 1 - idle[name] / step["cpu_percent"][name]), 2)
                if step["cpu_percent"][name]
                else 0.0
                for name, ms in step["cpu_ms_per_message"].items()
            }
            steps.append(step)
            _print_step(step)
            if len(steps) == 1 and step["saturated"]:
                # Saturated at the main rate already: step down instead, to find what it holds.
                rates = [round(args.rate * fraction) for fraction in (0.5, 0.25, 0.125)]
            elif steps[0]["saturated"] != step["saturated"]:
                break  # stepping down, one holds; or stepping up, one saturates
        finish = await after(harness)
        await harness.close_sockets()
    return {"memory": memory, "steps": steps, **finish}


def _print_step(step: dict) -> None:
    print(
        f"  {step['rate']:>5} msg/s x {step['seconds']:>3} s: accepted {step['achieved_per_second']:>6}/s, "
        f"p50 {step['latency_p50_ms']} ms, p99 {step['latency_p99_ms']} ms, "
        f"missed on the socket {step['missed_on_recipient_socket']}, refused {step['refused_or_failed']}, "
        f"CPU ms/message above idle {step['cpu_ms_per_message_above_idle']}, load {step['load_average']}"
        + (" SATURATED" if step["saturated"] else "")
        + (
            f" (stopped after {step['stopped_after_s']} s: {BACKLOG_SECONDS} s of sends waiting)"
            if step["stopped_after_s"]
            else ""
        )
    )


def committed_messages(run: str) -> dict[int, list[tuple[int, int]]]:
    from django.db import connection

    from chat.models import Message

    committed: dict[int, list[tuple[int, int]]] = {}
    rows = Message.objects.filter(client_id__startswith=f"bench-{run}-").values_list(
        "conversation_id", "id", "sender_id"
    )
    for conversation, message, sender in rows.order_by("id").iterator():
        committed.setdefault(conversation, []).append((message, sender))
    connection.close()
    return committed


def run_real(args, env: dict, pairs: list[dict], logs: Path, send_over: str) -> dict:
    from contextlib import asynccontextmanager

    from chat_harness import RealChat, http_session

    ws_port, http_port = free_port(), None
    daphne = start(
        [str(Path(sys.executable).with_name("daphne")), "-b", "127.0.0.1", "-p", str(ws_port), "shop.asgi:application"],
        env,
        logs / "daphne.log",
        ws_port,
        "daphne",
    )
    gunicorn = None
    if send_over == "api":
        http_port = free_port()
        gunicorn = start(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "shop.wsgi",
                "--bind",
                f"127.0.0.1:{http_port}",
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            env,
            logs / "gunicorn.log",
            http_port,
            "gunicorn",
        )
    run = secrets.token_hex(3)
    http_url = f"http://127.0.0.1:{http_port}" if http_port else None
    harness = RealChat(pairs, f"http://127.0.0.1:{ws_port}", http_url, run, send_over=send_over)

    @asynccontextmanager
    async def no_http():
        yield None

    async def after(harness):
        committed = await asyncio.to_thread(committed_messages, run)
        began = time.monotonic()
        resync = await harness.resync(committed)
        resync["committed"] = sum(len(rows) for rows in committed.values())
        resync["resync_seconds"] = round(time.monotonic() - began, 1)
        return {"resync": resync}

    try:
        time.sleep(1)
        sessions = http_session if gunicorn else no_http
        return asyncio.run(live(harness, args, daphne.pid, cpu_probe(daphne, gunicorn), sessions, after))
    finally:
        if gunicorn:
            stop(gunicorn)
        stop(daphne)


def run_bare(args, env: dict, pairs: list[dict], logs: Path) -> dict:
    from contextlib import asynccontextmanager

    from chat_bare import CREATE_TABLE, TABLE
    from chat_harness import BareChat
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)
    connections.close_all()
    port = free_port()
    daphne = start(
        [str(Path(sys.executable).with_name("daphne")), "-b", "127.0.0.1", "-p", str(port), "chat_bare:application"],
        env,
        logs / "daphne-bare.log",
        port,
        "daphne (bare consumer)",
    )

    def count_rows() -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            count = cursor.fetchone()[0]
        connection.close()  # a thread of the loop's executor: leave nothing open
        return count

    harness = BareChat(pairs, f"http://127.0.0.1:{port}", count_rows)

    @asynccontextmanager
    async def nothing():
        yield None

    def committed() -> list[tuple[int, int]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT cid, recipient FROM {TABLE}")
            rows = cursor.fetchall()
        connection.close()
        return rows

    async def after(harness):
        return {"lost": harness.lost(await asyncio.to_thread(committed))}

    try:
        time.sleep(1)
        return asyncio.run(live(harness, args, daphne.pid, cpu_probe(daphne, None), nothing, after))
    finally:
        stop(daphne)


# --- Main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_CHAT_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_CHAT_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--conversations", type=int, default=500, help="2 sockets each (default 500)")
    parser.add_argument("--rate", type=float, default=200, help="messages a second in all (default 200)")
    parser.add_argument("--seconds", type=float, default=30, help="at --rate (default 30)")
    parser.add_argument("--steps", default="300,400,600,800", help="then these rates, until saturated")
    parser.add_argument("--step-seconds", type=float, default=10)
    parser.add_argument("--saturation-ms", type=float, default=1000, help="p99 past this is saturated")
    parser.add_argument("--warm-up-rate", type=float, default=20, help="messages a second for 3 s first")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers for the API (default 4)")
    parser.add_argument("--inbox-conversations", type=int, default=10_000)
    parser.add_argument("--thread-messages", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=30, help="requests per page for the p50")
    parser.add_argument(
        "--layer-capacity",
        type=int,
        help="the servers' CHANNEL_LAYER_CAPACITY (default: the settings'); a small one makes the layer drop",
    )
    parser.add_argument(
        "--send-over",
        default="socket,api",
        help="how the real path sends, one run each in this order: socket (the socket's `send` frame), "
        "api (POST to gunicorn); default socket,api",
    )
    parser.add_argument("--skip-bare", action="store_true", help="leave out the bare consumer")
    parser.add_argument("--skip-queries", action="store_true", help="leave out the query part")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    args.steps = [float(rate) for rate in args.steps.split(",") if rate.strip()]
    args.send_over = [way.strip() for way in args.send_over.split(",") if way.strip()]
    if not args.send_over or set(args.send_over) - {"socket", "api"}:
        parser.error("--send-over: socket, api or both (socket,api)")

    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    database = create_database(args.database_url)
    env = production_env(args.database_url, args.redis_url)
    if args.layer_capacity:
        env["CHANNEL_LAYER_CAPACITY"] = str(args.layer_capacity)
    _django(env)
    logs = RESULTS / "chat-logs"
    logs.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "arguments": {key: value for key, value in vars(args).items() if key not in ("database_url",)},
    }
    try:
        import chat_data
        from django.db import connections

        print(f"{database}, Redis {args.redis_url}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
        pairs = chat_data.live_pairs(args.conversations)
        connections.close_all()
        for send_over in args.send_over:
            if send_over == "api":
                print(
                    f"Real path, sent over the API: daphne (/ws/) + gunicorn {args.workers} workers, {len(pairs)} chats"
                )
            else:
                print(f"Real path, sent over the socket (`send`): daphne (/ws/) alone, {len(pairs)} conversations")
            results[f"real_{send_over}"] = run_real(args, env, pairs, logs, send_over)
            print(f"  resync: {results[f'real_{send_over}']['resync']}")
        if not args.skip_bare:
            print("Bare consumer: daphne, INSERT then group_send")
            results["bare"] = run_bare(args, env, pairs, logs)
            print(f"  {results['bare']['lost']}")
        if not args.skip_queries:
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
            )
            small = chat_data.seller_with(10, 10, "small")
            big = chat_data.seller_with(args.inbox_conversations, args.thread_messages, "big")
            print(f"Queries: seller data generated in {big['seconds']} s")
            results["queries"] = chat_data.measure_pages([small, big], args.repeats)
            for row in results["queries"]:
                print(
                    f"  {row['what']:<12} {row['conversations']:>6} conversations, thread {row['thread_messages']:>6}: "
                    f"{row['queries']} queries, p50 {row['p50_ms']} ms"
                )
        results["load_average_at_end"] = os.getloadavg()
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.database_url)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"chat-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"\nSaved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
