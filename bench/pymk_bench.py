"""People you may know on the feed benchmark's base graph, on PostgreSQL: cold and cached.

The graph is the one ``make bench-feed-data`` builds into ``etalase_bench`` (20,000 users
following 50 to 1,000 accounts, about 4.1 million follows; see bench/README.md). This script
only reads it (and writes the cache); with ``--affinity`` it also runs the "you may also like"
computation once, which replaces that database's ``ProductAffinity`` rows.

For ``bench_follows_1000`` (exactly 1,000 follows) and the users who follow the most accounts
next (``--users`` in all), it times ``social.selectors.people_you_may_know``:

    cold    the person's cache entry deleted first: the SQL (friends of friends, then the
            same stores if the first tier leaves room) and the names, then the cache write;
            ``--repeats`` times per person, the first pass reported on its own as well
            (PostgreSQL's buffers are then as cold as this script finds them)
    warm    the entry cached: one cache read (Redis at ``--redis-url`` when it answers,
            as in production; else the in-process cache), ``--warm`` times per person

and prints p50 / p99 / max with the queries of one cold computation and the size of each
person's circle. Results are saved as JSON under bench/results/.

    make bench-pymk                    # or: .venv/bin/python bench/pymk_bench.py --users 20
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/etalase_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
BENCH_USERNAME = "bench_follows_1000"


def _redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except Exception:
        return False


def _django(database_url: str, redis_url: str | None) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "shop.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _summary(samples: list[float]) -> dict:
    return {
        "n": len(samples),
        "p50_ms": _ms(statistics.median(samples)),
        "p99_ms": _ms(_percentile(samples, 0.99)),
        "max_ms": _ms(max(samples)),
        "mean_ms": _ms(statistics.fmean(samples)),
    }


def _people(count: int):
    """bench_follows_1000 first, then the users who follow the most accounts."""
    from shop.models import User
    from social.models import Profile

    bench = User.objects.filter(username=BENCH_USERNAME).first()
    if bench is None:
        raise SystemExit(f"No {BENCH_USERNAME}: build the graph first (make bench-feed-data).")
    others = (
        Profile.objects.filter(user__isnull=False, user__is_active=True)
        .exclude(user=bench)
        .order_by("-following_count", "user_id")
        .values_list("user_id", flat=True)[: count - 1]
    )
    people = [bench, *User.objects.filter(pk__in=list(others))]
    counts = dict(Profile.objects.filter(user__in=people).values_list("user_id", "following_count"))
    return sorted(people, key=lambda person: (-counts.get(person.pk, 0), person.pk)), counts


def _circle(user_id: int) -> dict:
    """How big the person's world is: follows, friends, candidates before the top 30."""
    from django.db import connection

    from social.selectors.recommendations import FRIENDS_CTE, _sql

    with connection.cursor() as cursor:
        cursor.execute(_sql("WITH " + FRIENDS_CTE + " SELECT COUNT(*) FROM friends"), {"me": user_id})
        (friends,) = cursor.fetchone()
    return {"friends": friends}


def run(args) -> dict:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from social.selectors import recommendations as reads

    people, following = _people(args.users)
    results: dict = {
        "database": urlsplit(args.database_url).path.lstrip("/"),
        "cache": "redis" if args.redis_url else "locmem",
        "users": [],
        "settings": {
            "PYMK_LIMIT": reads.PYMK_LIMIT,
            "PYMK_STORES_CONSIDERED": reads.PYMK_STORES_CONSIDERED,
            "PYMK_CACHE_SECONDS": reads.PYMK_CACHE_SECONDS,
        },
    }
    first_pass: list[float] = []
    cold: list[float] = []
    warm: list[float] = []
    for person in people:
        key = reads.pymk_cache_key(person.pk)
        samples = []
        for repeat in range(args.repeats):
            cache.delete(key)
            began = time.perf_counter()
            if repeat == 0:
                with CaptureQueriesContext(connection) as queries:
                    suggestions = reads.people_you_may_know(user=person)
                query_count = len(queries)
            else:
                suggestions = reads.people_you_may_know(user=person)
            samples.append(time.perf_counter() - began)
        first_pass.append(samples[0])
        cold.extend(samples)
        hot = []
        for _ in range(args.warm):
            began = time.perf_counter()
            cached = reads.people_you_may_know(user=person)
            hot.append(time.perf_counter() - began)
        assert cached == suggestions
        warm.extend(hot)
        row = {
            "user_id": person.pk,
            "username": person.username,
            "following": following.get(person.pk, 0),
            **_circle(person.pk),
            "suggestions": len(suggestions),
            "from_friends_of_friends": sum(1 for s in suggestions if s.mutual_friends),
            "top_mutual_friends": max((s.mutual_friends for s in suggestions), default=0),
            "queries_cold": query_count,
            "cold_ms": [_ms(sample) for sample in samples],
            "warm_p50_ms": _ms(statistics.median(hot)),
        }
        results["users"].append(row)
        print(
            f"  {person.username:<20} follows {row['following']:>4}  friends {row['friends']:>3}  "
            f"suggestions {row['suggestions']:>2} ({row['from_friends_of_friends']} friends of friends)  "
            f"cold {' / '.join(f'{ms:.0f}' for ms in row['cold_ms'])} ms  warm {row['warm_p50_ms']:.2f} ms  "
            f"{query_count} queries"
        )
        cache.delete(key)
    results["first_pass"] = _summary(first_pass)
    results["cold"] = _summary(cold)
    results["warm"] = _summary(warm)
    bench_row = results["users"][[row["username"] for row in results["users"]].index(BENCH_USERNAME)]
    results["bench_follows_1000"] = {"cold_ms": bench_row["cold_ms"], "warm_p50_ms": bench_row["warm_p50_ms"]}
    if args.affinity:
        from social.models import ProductAffinity
        from social.services.recommendations import compute_product_affinities

        began = time.perf_counter()
        rows = compute_product_affinities()
        results["affinity"] = {
            "seconds": round(time.perf_counter() - began, 2),
            "rows": rows,
            "products": ProductAffinity.objects.values("product").distinct().count(),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="'' for the in-process cache")
    parser.add_argument("--users", type=int, default=20, help="people timed (bench_follows_1000 and the top followers)")
    parser.add_argument("--repeats", type=int, default=5, help="cold computations per person")
    parser.add_argument("--warm", type=int, default=50, help="cached reads per person")
    parser.add_argument("--affinity", action="store_true", help="also time the 'you may also like' task once")
    args = parser.parse_args()
    database = urlsplit(args.database_url).path.lstrip("/")
    if "bench" not in database:
        raise SystemExit(f"Refusing {database!r}: the benchmark database's name must contain 'bench'.")
    if args.redis_url and not _redis_answers(args.redis_url):
        print(f"Redis does not answer at {args.redis_url}: using the in-process cache.")
        args.redis_url = ""
    _django(args.database_url, args.redis_url or None)
    print(f"People you may know on {database} (cache: {'Redis' if args.redis_url else 'in-process'}):")
    results = run(args)
    for name in ("first_pass", "cold", "warm"):
        figures = results[name]
        print(
            f"{name:<11} n={figures['n']:<4} p50 {figures['p50_ms']:>8.2f} ms   p99 {figures['p99_ms']:>8.2f} ms   "
            f"max {figures['max_ms']:>8.2f} ms"
        )
    if "affinity" in results:
        affinity = results["affinity"]
        print(
            f"you may also like: {affinity['rows']} rows for {affinity['products']} products in "
            f"{affinity['seconds']:.1f} s"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"pymk-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"Saved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
