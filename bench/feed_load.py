"""HTTP load benchmark of the feeds, each page beside the cheapest page in the same run.

Runs against the databases that ``bench/feed_data.py`` filled (PostgreSQL), with
gunicorn on loopback (DEBUG off, Redis as the shared cache, persistent database
connections), and wrk sending the session cookie of ``bench_follows_1000`` (who follows
1,000 accounts) and a CSRF cookie, as a browser would, on every request. For the base
database it measures, in interleaved rounds (every page in turn, three times):

    /ping                        the cheapest page: same middleware, same cookie, no query
    Following, first page        the materialised feed of 1,000 follows
    Following, page 10           the cursor followed nine times
    For you, first page          ranked discovery, viewer-specific
    For you, page 10

and prints each page's requests/s as a share of /ping's (target: 0.25 or more). Then the
growth check: /ping and the Following feed's first page on the database with ten times the
posts; its p50 beside the base p50 (target: within 1.5x). Results go to bench/results/.

    make bench-feed                    # or: .venv/bin/python bench/feed_load.py --duration 12 --rounds 3
    .venv/bin/python bench/feed_load.py --generate   # make the databases first if missing

Old and new side by side: ``--against CHECKOUT`` serves an earlier checkout of the site too (a
git worktree, e.g. ``git worktree add ../before <commit>`` with the same virtualenv), on the
next port and its own Redis database, and measures every page on both back to back in each
round (the order alternating), then prints each page's share of /ping for both and the change.

    make bench-feed BENCH_ARGS="--skip-growth --against ../before"

Where a page's time goes: while wrk drives a page, the CPU that the server's gunicorn workers,
PostgreSQL's processes, Redis and wrk itself use is read from /proc (Linux), and each page
gets the milliseconds of CPU per request of each, over all rounds ("CPU per request"). On a
machine whose cores are all busy (the benchmark's case) the share of /ping follows the total.

Everything stays on 127.0.0.1: PostgreSQL, Redis, gunicorn and wrk.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
BENCH_USERNAME = "bench_follows_1000"
DEEP_PAGE = 10
FOLLOWING_URL = "/feed/following/"
FOR_YOU_URL = "/feed/for-you/"

WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format(
    "WRK_JSON {\\"requests\\": %d, \\"seconds\\": %f, \\"errors\\": %d, \\"non2xx\\": %d, "
    .. "\\"p50_ms\\": %f, \\"p90_ms\\": %f, \\"p99_ms\\": %f, \\"bytes\\": %d}\\n",
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, summary.bytes))
end
"""


# --- Inside Django (a subprocess on the benchmarked database) -------------------------


def prepare_inside_django() -> None:
    """Print a session for the benchmark user and the cursors of page 10 of both feeds (JSON)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from shop.models import User
    from social import selectors
    from social.models import FeedEntry, Post

    user = User.objects.filter(username=BENCH_USERNAME).first()
    if user is None:
        raise SystemExit(f"{BENCH_USERNAME} is missing: run bench/feed_data.py on this database first")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    cursors = {}
    for name, feed in (("following", selectors.following_feed), ("for_you", selectors.for_you_feed)):
        cursor = None
        for _page in range(DEEP_PAGE - 1):
            cursor = feed(user=user, cursor=cursor).next_cursor
            if cursor is None:
                raise SystemExit(f"the {name} feed of {BENCH_USERNAME} has fewer than {DEEP_PAGE} pages")
        cursors[name] = cursor
    with connection.cursor() as db:
        db.execute("SELECT pg_database_size(current_database())")
        size = db.fetchone()[0]
    print(
        "PREPARED "
        + json.dumps(
            {
                "session": session.session_key,
                "cursors": cursors,
                "posts": Post.objects.count(),
                "feed_entries": FeedEntry.objects.filter(owner=user).count(),
                "following": user.follows.count(),
                "database_bytes": size,
            }
        )
    )


# --- Outside: orchestration ---------------------------------------------------------


def _python() -> str:
    return sys.executable


def _env(database: str, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "shop.settings",
            "DATABASE_URL": f"{POSTGRES}/{database}",
            "DEBUG": "0",
            "REDIS_URL": redis_url,
            # Persistent database connections, as in production (the default there).
            "CONN_MAX_AGE": "60",
            "LOG_LEVEL": "ERROR",  # no "Not Found" line per request of the 404 reference page
        }
    )
    return env


def _database_exists(name: str) -> bool:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip() == "1"


def _has_bench_data(env: dict[str, str]) -> bool:
    # The generator builds the benchmark user's feed last: a feed built means a complete run.
    script = (
        "import django; django.setup();"
        "from social.models import Profile;"
        f"print('HAS', Profile.objects.filter(user__username={BENCH_USERNAME!r}, feed_built_at__isnull=False).exists())"
    )
    out = subprocess.run([_python(), "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    return "HAS True" in out.stdout


def ensure_database(name: str, scale: int, redis_url: str, generate: bool) -> None:
    env = _env(name, redis_url)
    if not _database_exists(name):
        if not generate:
            raise SystemExit(f"database {name} is missing: run with --generate (or see bench/README.md)")
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    subprocess.run([_python(), "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    if not _has_bench_data(env):
        if not generate:
            raise SystemExit(f"database {name} has no benchmark data: run with --generate")
        subprocess.run(
            [_python(), str(ROOT / "bench" / "feed_data.py"), "--scale", str(scale), "--reset"],
            cwd=ROOT,
            env=env,
            check=True,
        )


def _prepare(env: dict[str, str], root: Path = ROOT) -> dict:
    """A session and page-10 cursors, made by the checkout at ``root`` (its own cursor format)."""
    out = subprocess.run(
        [_python(), str(root / "bench" / "feed_load.py"), "--inside-django"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    line = next((line for line in out.stdout.splitlines() if line.startswith("PREPARED ")), None)
    if line is None:
        raise SystemExit(f"preparing the benchmark failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(line.removeprefix("PREPARED "))


def _flush_cache(redis_url: str) -> None:
    """Start every database's run from an empty cache (the benchmark's own Redis database)."""
    match = re.match(r"redis://([^:/]+)(?::(\d+))?(?:/(\d+))?", redis_url)
    host, port, db = match.group(1), match.group(2) or "6379", match.group(3) or "0"
    subprocess.run(["redis-cli", "-h", host, "-p", port, "-n", db, "FLUSHDB"], capture_output=True, check=True)


def _wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not answer within {timeout}s")


def _check_page(url: str, cookie: str) -> dict:
    """One request as the benchmark user: its status, size, and how many posts it links to."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body, status = response.read().decode(), response.status
    except urllib.error.HTTPError as error:
        body, status = error.read().decode(), error.code
    posts = len(set(re.findall(r'href="/posts/(\d+)/"', body)))
    return {"status": status, "bytes": len(body), "posts_linked": posts, "signed_in": BENCH_USERNAME in body}


def _with_csrf_cookie(url: str, cookie: str) -> str:
    """``cookie`` plus the CSRF cookie the site sets on a first visit, as a browser sends them
    from then on. Without it every feed request would make and set a new CSRF secret, which
    no browser that has seen one page before causes."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=30) as response:
        headers = response.headers.get_all("Set-Cookie") or []
    for header in headers:
        name, _, rest = header.partition("=")
        if name.strip() == "csrftoken":
            return f"{cookie}; csrftoken={rest.split(';', 1)[0]}"
    raise SystemExit(f"{url} set no CSRF cookie")


def _warm_up(url: str, cookie: str) -> None:
    subprocess.run(["wrk", "-t1", "-c2", "-d2s", "-H", f"Cookie: {cookie}", url], capture_output=True, check=True)


def _wrk(url: str, cookie: str, lua: Path, duration: int, connections: int, threads: int) -> dict:
    header = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(lua), *header, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    stats = json.loads(line.removeprefix("WRK_JSON "))
    stats["rps"] = stats["requests"] / stats["seconds"]
    return stats


CPU_PARTS = ("web", "postgres", "redis", "wrk")
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(web_group: int) -> dict[str, dict[int, float]]:
    """CPU used so far (user and system) by each process of gunicorn's group ``web_group``, of
    PostgreSQL and of Redis, from /proc; wrk's (as process 0) from this process's finished
    children. Empty where there is no /proc."""
    if not Path("/proc/self/stat").exists():
        return {}
    used: dict[str, dict[int, float]] = {part: {} for part in CPU_PARTS}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name = (entry / "comm").read_text().strip()
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        # After the name: state, ppid, pgrp, ...; utime and stime are the 12th and 13th.
        seconds = (int(fields[11]) + int(fields[12])) / _TICKS
        part = None
        if int(fields[2]) == web_group:
            part = "web"
        elif name == "postgres":
            part = "postgres"
        elif name.startswith("redis-server"):
            part = "redis"
        if part:
            used[part][int(entry.name)] = seconds
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used["wrk"][0] = children.ru_utime + children.ru_stime
    return used


def _cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """The CPU each part used between two ``_cpu_seconds``: what each process running at the end
    used since the start (a database connection opened meanwhile, all of its own; one that
    closed meanwhile is not counted)."""
    return {part: sum(seconds - before[part].get(pid, 0.0) for pid, seconds in after[part].items()) for part in after}


def start_gunicorn(env: dict[str, str], *, port: int, workers: int, root: Path = ROOT) -> subprocess.Popen:
    """gunicorn serving the checkout at ``root`` on loopback with ``env`` (sync workers, as in
    production), in a process group of its own."""
    command = [_python(), "-m", "gunicorn", "shop.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    return subprocess.Popen([*command, "--log-level", "warning"], cwd=root, env=env, start_new_session=True)


def stop_gunicorn(gunicorn: subprocess.Popen) -> None:
    os.killpg(gunicorn.pid, signal.SIGTERM)
    gunicorn.wait(timeout=30)


@dataclass
class Server:
    """One checkout of the site served for the benchmark: this one, or an earlier one (``--against``)."""

    label: str
    root: Path
    port: int
    redis_url: str
    state: dict = field(default_factory=dict)


def _servers(args) -> list[Server]:
    servers = [Server("this code", ROOT, args.port, args.redis_url)]
    if args.against:
        root = Path(args.against).resolve()
        if not (root / "manage.py").exists() or not (root / "bench" / "feed_load.py").exists():
            raise SystemExit(f"--against {root}: not a checkout of the site with bench/feed_load.py")
        servers.append(Server(f"against {root.name}", root, args.port + 1, args.against_redis_url))
    return servers


def _measure_pages(stats_by_round: list[dict], kind: str, check: dict) -> dict:
    runs = stats_by_round
    stats = {
        "requests": sum(run["requests"] for run in runs),
        "seconds": sum(run["seconds"] for run in runs),
        "errors": sum(run["errors"] for run in runs),
        "non2xx": 0 if kind == "reference" and check["status"] == 404 else sum(run["non2xx"] for run in runs),
        "bytes": sum(run["bytes"] for run in runs),
        # Latency: the middle round's median, and the worst round's 99th percentile.
        "p50_ms": sorted(run["p50_ms"] for run in runs)[len(runs) // 2],
        "p99_ms": max(run["p99_ms"] for run in runs),
        "rounds_rps": [run["rps"] for run in runs],
    }
    if all(run.get("cpu_seconds") for run in runs):
        stats["cpu_ms_per_request"] = {
            part: 1000 * sum(run["cpu_seconds"][part] for run in runs) / max(stats["requests"], 1) for part in CPU_PARTS
        }
    stats["rps"] = stats["requests"] / stats["seconds"]
    return stats


def measure(database: str, pages: list[tuple[str, str, str]], args, servers: list[Server]) -> list[dict]:
    """Serve ``database`` from every server's checkout (gunicorn each, its own Redis database)
    and drive each page with wrk; the first page is /ping. With two servers, each page is
    measured on both back to back, in an order that alternates from round to round, so a
    machine that changes speed during the run moves both alike. One result per server."""
    lua = RESULTS / "feed_report.lua"
    lua.write_text(WRK_REPORT)
    running = []
    try:
        for server in servers:
            env = _env(database, server.redis_url)
            _flush_cache(server.redis_url)
            prepared = _prepare(env, server.root)
            gunicorn = start_gunicorn(env, port=server.port, workers=args.workers, root=server.root)
            running.append(gunicorn)
            base = f"http://127.0.0.1:{server.port}"
            _wait_for(base + "/ping")
            cookie = _with_csrf_cookie(base + FOLLOWING_URL, f"sessionid={prepared['session']}")
            server.state = {
                "prepared": prepared,
                "base": base,
                "cookie": cookie,
                "rounds": {},
                "checks": {},
                "web_group": gunicorn.pid,
            }
        # Every page runs in each round, so a machine that speeds up or slows down during the
        # run (a shared host) moves /ping and every page alike.
        for number in range(args.rounds):
            for label, path, kind in pages:
                order = servers if number % 2 == 0 else servers[::-1]
                for server in order:
                    state = server.state
                    cursors = state["prepared"]["cursors"]
                    url = state["base"] + path.format(**{f"{name}_cursor": value for name, value in cursors.items()})
                    if number == 0:
                        check = _check_page(url, state["cookie"])
                        if kind == "feed" and (
                            check["status"] != 200 or check["posts_linked"] < 20 or not check["signed_in"]
                        ):
                            raise SystemExit(f"{server.label}: {url} does not show the signed-in user's feed: {check}")
                        state["checks"][label] = (url.removeprefix(state["base"]), kind, check)
                    seconds = max(1, round(args.duration / args.rounds))
                    if number == 0:
                        _warm_up(url, state["cookie"])
                    before = _cpu_seconds(state["web_group"])
                    stats = _wrk(url, state["cookie"], lua, seconds, args.connections, args.threads)
                    after = _cpu_seconds(state["web_group"])
                    stats["cpu_seconds"] = _cpu_used(before, after)
                    state["rounds"].setdefault(label, []).append(stats)
                    if args.verbose:
                        print(
                            f"  {database} round {number + 1}: {label:<22} {server.label:<20} {stats['rps']:8.0f} req/s"
                        )
    finally:
        for gunicorn in running:
            stop_gunicorn(gunicorn)
    runs = []
    for server in servers:
        state = server.state
        results = []
        for label, (path, kind, check) in state["checks"].items():
            stats = _measure_pages(state["rounds"][label], kind, check)
            stats.update({"page": label, "path": path, "kind": kind, "check": check})
            results.append(stats)
        cheapest = results[0]["rps"]
        for stats in results:
            stats["share_of_ping"] = stats["rps"] / cheapest
        prepared = {k: v for k, v in state["prepared"].items() if k != "session"}
        runs.append(
            {
                "database": database,
                "server": server.label,
                "code": str(server.root),
                "prepared": prepared,
                "pages": results,
            }
        )
    return runs


def _side_by_side(this: dict, against: dict) -> list[str]:
    rows = [f"{'page':<24} {'share, this':>12} {'share, against':>15} {'change':>8}"]
    earlier = {s["page"]: s for s in against["pages"]}
    for s in this["pages"][1:]:
        old = earlier.get(s["page"])
        if old is None:
            continue
        change = (s["share_of_ping"] / old["share_of_ping"] - 1) * 100
        rows.append(f"{s['page']:<24} {s['share_of_ping']:12.3f} {old['share_of_ping']:15.3f} {change:+7.1f}%")
    return rows


def _cpu_table(run: dict, against: dict | None = None) -> list[str]:
    """CPU per request of each page by process (ms), and the change against ``against``'s."""
    rows = [f"{'page':<24} " + " ".join(f"{part:>8}" for part in (*CPU_PARTS, "total"))]
    earlier = {s["page"]: s for s in against["pages"]} if against else {}
    for s in run["pages"]:
        cpu = s.get("cpu_ms_per_request")
        if not cpu:
            continue
        cells = [*(cpu[part] for part in CPU_PARTS), sum(cpu.values())]
        rows.append(f"{s['page']:<24} " + " ".join(f"{cell:8.2f}" for cell in cells))
        old = earlier.get(s["page"], {}).get("cpu_ms_per_request")
        if old:
            changes = [*(cpu[part] - old[part] for part in CPU_PARTS), sum(cpu.values()) - sum(old.values())]
            rows.append(f"{'  change':<24} " + " ".join(f"{change:+8.2f}" for change in changes))
    return rows


def _table(run: dict) -> list[str]:
    rows = [f"{'page':<24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'share of /ping':>15} {'errors':>7}"]
    for s in run["pages"]:
        rows.append(
            f"{s['page']:<24} {s['rps']:8.0f} {s['p50_ms']:8.1f} {s['p99_ms']:8.1f} "
            f"{s['share_of_ping']:15.2f} {s['errors'] + s['non2xx']:7d}"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inside-django", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=int, default=12, help="seconds per page, over all rounds")
    parser.add_argument("--rounds", type=int, default=3, help="times every page is measured, in turn")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default: 2 x 2 cores)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--database", default="etalase_bench", help="base size (feed_data.py --scale 1)")
    parser.add_argument("--database-10x", default="etalase_bench10", help="ten times the posts (--scale 10)")
    parser.add_argument("--skip-growth", action="store_true", help="measure the base database only")
    parser.add_argument("--generate", action="store_true", help="create and fill missing databases first")
    parser.add_argument("--prepare-only", action="store_true", help="check (or --generate) the databases, then stop")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"))
    parser.add_argument("--quiet", dest="verbose", action="store_false")
    parser.add_argument(
        "--against",
        metavar="CHECKOUT",
        help="also serve this earlier checkout of the site (a git worktree) and measure both side by side",
    )
    parser.add_argument("--against-redis-url", default="redis://127.0.0.1:6379/10")
    args = parser.parse_args()
    if args.inside_django:
        prepare_inside_django()
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    RESULTS.mkdir(parents=True, exist_ok=True)
    ensure_database(args.database, 1, args.redis_url, args.generate)
    if not args.skip_growth:
        ensure_database(args.database_10x, 10, args.redis_url, args.generate)
    if args.prepare_only:
        return

    deep = "?cursor={following_cursor}"
    base_pages = [
        ("/ping", "/ping", "cheapest"),
        ("Following, first page", FOLLOWING_URL, "feed"),
        (f"Following, page {DEEP_PAGE}", FOLLOWING_URL + deep, "feed"),
        ("For you, first page", FOR_YOU_URL, "feed"),
        (f"For you, page {DEEP_PAGE}", FOR_YOU_URL + "?cursor={for_you_cursor}", "feed"),
        # For scale, not for the target: the site's layout and nothing else (the 404 page, signed in),
        # and the smallest signed-in answer there is (the bell's count: session, user, one count).
        ("layout only (404 page)", "/no-such-page/", "reference"),
        ("bell count (signed in)", "/notifications/count/", "reference"),
    ]
    servers = _servers(args)
    both = measure(args.database, base_pages, args, servers)
    runs = [both[0]]
    if not args.skip_growth:
        runs.append(measure(args.database_10x, base_pages[:2], args, servers[:1])[0])

    print(
        f"\n{args.workers} gunicorn sync workers, wrk {args.threads} threads x {args.connections} connections, "
        f"{args.duration} s per page, {os.cpu_count()} CPUs, user {BENCH_USERNAME}"
    )
    for run in [*runs, *both[1:]]:
        prepared = run["prepared"]
        print(
            f"\n{run['database']}: {prepared['posts']:,} posts, "
            f"{prepared['database_bytes'] / 1024**3:.2f} GiB, following {prepared['following']}, "
            f"served by {run['server']} ({run['code']})"
        )
        print("\n".join(_table(run)))
    if len(both) > 1:
        print(f"\nSide by side (interleaved, same run): this code against {both[1]['code']}")
        print("\n".join(_side_by_side(both[0], both[1])))
    for index, run in enumerate(both):
        # This code's table shows its change against the other's; the other's stands alone.
        against = both[1] if index == 0 and len(both) > 1 else None
        rows = _cpu_table(run, against)
        if len(rows) > 1:
            print(
                f"\nCPU per request (ms), {run['database']}, {run['server']}"
                + (", change against the other" if against else "")
            )
            print("\n".join(rows))
    summary = {"target_share": 0.25}
    feeds = [s for s in runs[0]["pages"] if s["kind"] == "feed"]
    summary["lowest_share"] = min(s["share_of_ping"] for s in feeds)
    summary["share_target_met"] = summary["lowest_share"] >= 0.25
    if len(runs) > 1:
        base_p50 = runs[0]["pages"][1]["p50_ms"]
        grown_p50 = runs[1]["pages"][1]["p50_ms"]
        summary.update(
            {
                "following_p50_ms_base": base_p50,
                "following_p50_ms_10x": grown_p50,
                "growth_ratio": grown_p50 / base_p50,
                "growth_target_met": grown_p50 / base_p50 <= 1.5,
            }
        )
        print(
            f"\nGrowth: Following first page p50 {base_p50:.1f} ms at base, {grown_p50:.1f} ms with 10x the posts: "
            f"{grown_p50 / base_p50:.2f}x (target: 1.5x or less)"
        )
    print(
        f"Lowest feed share of /ping: {summary['lowest_share']:.2f} (target: 0.25 or more) -> "
        f"{'met' if summary['share_target_met'] else 'MISSED'}"
    )
    out = RESULTS / f"feed_load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    settings = {k: v for k, v in vars(args).items() if k not in ("inside_django", "verbose")}
    out.write_text(
        json.dumps(
            {"args": settings, "cpus": os.cpu_count(), "runs": runs, "against": both[1:], "summary": summary}, indent=2
        )
    )
    print(f"\nsaved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
