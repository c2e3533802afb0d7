"""``python bench/feed_data.py``: a realistic social graph for the feed benchmarks.

Generates into a dedicated PostgreSQL database (its name must contain "bench"), migrated
and empty, or emptied with ``--reset``::

    createdb -h 127.0.0.1 -U postgres etalase_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/etalase_bench
    python manage.py migrate && python bench/feed_data.py --scale 1

Base size (``--scale 1``): 20,000 users, 200 stores whose popularity follows a Zipf law
(the most followed have 10,000+ followers), 5-20 products per store with variants and prices,
every user following 50 to 1,000 accounts (stores, popular people, and a circle of friends
who often follow back), 200,000 posts over 90 days with 1-3 pictures and 1-3 tagged products,
about 1.5 million likes, 200,000 comments with replies, saves, hashtags and a few blocks.
The user ``bench_follows_1000`` follows exactly 1,000 accounts. ``--scale 10`` gives ten
times the posts (and their likes, comments and saves) with the same users and follows.

Rows go in with COPY and ``INSERT ... SELECT generate_series``, never one ORM save per row;
the big tables' secondary indexes are dropped during the load and rebuilt once. Counters and
hot scores are then computed from the rows, as the services would have kept them. Pictures
are twenty files made once, with renditions, shared by every post. Finally the real
``build_feed`` materialises the Following feed of the benchmark user and of a sample of
active users; everyone else's feed stays lazy, as it is for users who never opened it.
"""

from __future__ import annotations

import argparse
import heapq
import io
import itertools
import os
import random
import sys
import time
from bisect import bisect_right
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def _words(text: str) -> list[str]:
    return text.split()


USERS = 20_000
STORES = 200
BASE_POSTS = 200_000
DAYS = 90
LIKES_PER_POST = 7.5
COMMENTS_PER_POST = 1.0
SAVES_PER_POST = 0.4
BLOCKS = 300
HIDDEN_POST_SHARE = 0.001
STORE_POST_SHARE = 0.4
POSTERS = 6_000
HASHTAGS = 300
IMAGE_FILES = 20
BENCH_USERNAME = "bench_follows_1000"
BENCH_FOLLOWS = 1_000
BENCH_STORE_FOLLOWS = 150
BENCH_LIKE_SHARE = 0.15
BENCH_SAVE_SHARE = 0.03
FEED_SAMPLE = 200
# Distinct users for the k-th like of a post: (seed + k * STRIDE) mod USERS, STRIDE prime to USERS.
LIKE_STRIDE = 7_919
SAVE_STRIDE = 7_927

# Tables whose secondary indexes and unique constraints are dropped while loading.
BIG_TABLES = _words(
    "social_follow social_post social_postimage social_producttag social_like social_save "
    "social_comment social_posthashtag"
)
FILLED_TABLES = [
    "shop_user",
    "catalog_store",
    "catalog_product",
    "catalog_productvariant",
    "catalog_productimage",
    "social_profile",
    "social_hashtag",
    "social_block",
    "social_feedentry",
    *BIG_TABLES,
]

FIRST_NAMES = _words(
    "Ani Budi Citra Dewi Eko Fajar Gita Hadi Indah Joko Kartika Lestari Made Nur Oki Putri Rizky "
    "Sari Tono Utami Wulan Yoga Ayu Bayu Dimas Fitri Galih Hendra Intan Krisna"
)
LAST_NAMES = _words(
    "Santoso Wijaya Pratama Saputra Lestari Hidayat Nugroho Kusuma Siregar Nasution Halim Gunawan "
    "Wibowo Setiawan Purnomo Rahman Susanto Hartono"
)
STORE_WORDS = _words(
    "Batik Kopi Tenun Sambal Kain Rotan Jamu Keripik Songket Lurik Gerabah Madu Teh Anyaman Perak "
    "Sepatu Tas Kebaya Sabun Lilin"
)
STORE_PLACES = _words("Jogja Solo Bandung Malang Bali Medan Makassar Garut Pekalongan Toraja Lombok Aceh")
PRODUCT_NOUNS = _words(
    "Kemeja Selendang Gelas Piring Tas Dompet Sandal Bantal Taplak Syal Kopi Sambal Kue Sabun Lilin "
    "Gantungan Topi Mangkuk Vas Tikar"
)
PRODUCT_ADJECTIVES = _words("Klasik Modern Motif Parang Kawung Mega Mendung Premium Mini Jumbo Asli Lembut")
CAPTIONS = (
    "Baru datang, stok terbatas!",
    "Favorit pelanggan minggu ini.",
    "New drop just landed.",
    "Dibuat tangan oleh pengrajin lokal.",
    "Which colour would you pick?",
    "Cocok untuk hadiah lebaran.",
    "Back in stock by popular demand.",
    "Weekend vibes with this one.",
    "Packed with care, shipped tomorrow.",
    "Pagi-pagi sudah ngopi dulu.",
)
COMMENTS = (
    "Cantik banget!",
    "Masih ada stok?",
    "Love this",
    "Ukuran L ada kak?",
    "Sudah sampai, bagus sekali",
    "How much is shipping to Surabaya?",
    "Keren!",
    "Warnanya cakep",
    "Mau dong",
    "Langganan dari dulu",
)
HASHTAG_WORDS = _words(
    "batik kopi tenun umkm lokal handmade sambal ootd jajan kuliner kerajinan fashion rumah dekor "
    "hadiah diskon promo baru jogja bali bandung solo kain cantik murah asli indonesia keren gaya"
)


def _zipf_weights(n: int, exponent: float) -> list[float]:
    return [1 / (rank**exponent) for rank in range(1, n + 1)]


def _cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    """Index drawn with the weights behind ``cumulative``."""
    return bisect_right(cumulative, rng.random() * cumulative[-1])


def _sample_weighted(rng: random.Random, weights: list[float], k: int) -> list[int]:
    """``k`` distinct indexes, weighted (Efraimidis-Spirakis: the k largest of u ** (1/w))."""
    keyed = ((rng.random() ** (1 / w), i) for i, w in enumerate(weights))
    return [i for _key, i in heapq.nlargest(k, keyed)]


def _ts(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


class Loader:
    """COPY rows into tables on the Django connection's psycopg cursor."""

    CHUNK = 1 << 20

    def __init__(self, cursor):
        self.cursor = cursor

    def copy(self, table: str, columns: list[str], rows) -> int:
        count = 0
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with self.cursor.copy(sql) as copy:
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(_copy_text(value) for value in row))
                buffer.write("\n")
                count += 1
                if buffer.tell() > self.CHUNK:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        return count

    def copy_lines(self, table: str, columns: list[str], lines: list[str]) -> None:
        """COPY lines already in COPY text format (tab-separated, newline-terminated)."""
        with self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for start in range(0, len(lines), 20_000):
                copy.write("".join(lines[start : start + 20_000]))


def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return str(value)


class Generator:
    """Fills the database Django is set up on (see the module's docstring)."""

    def __init__(self, *, verbose: bool = True):
        self.verbose = verbose

    def run(self, *, scale: int, reset: bool, seed: int, feed_sample: int) -> None:
        if connection.vendor != "postgresql":
            raise SystemExit("bench/feed_data.py needs PostgreSQL: set DATABASE_URL.")
        database = connection.settings_dict["NAME"]
        if "bench" not in database:
            raise SystemExit(f"Refusing to fill {database!r}: use a dedicated database whose name contains 'bench'.")
        if scale < 1:
            raise SystemExit("--scale must be 1 or more.")
        self.steps: list[tuple[str, float]] = []
        self.seed = seed
        self.posts = BASE_POSTS * scale
        self.now = time.time()
        started = time.monotonic()
        with connection.cursor() as django_cursor:
            cursor = django_cursor.cursor  # the psycopg cursor, for COPY
            self.cursor = cursor
            self.loader = Loader(cursor)
            self._prepare(reset)
            self._load()
        self._build_feeds(feed_sample)
        total = time.monotonic() - started
        self._report(database, scale, total)

    # --- steps ---------------------------------------------------------------

    def _step(self, name: str, function, *args):
        began = time.monotonic()
        result = function(*args)
        elapsed = time.monotonic() - began
        self.steps.append((name, elapsed))
        if self.verbose:
            print(f"  {name:<44} {elapsed:7.1f} s")
        return result

    def _rng(self, section: str) -> random.Random:
        """One generator per section, so --scale changes the posts but not the users or follows."""
        return random.Random(f"{self.seed}:{section}")

    def _sql(self, sql: str, params=None) -> None:
        self.cursor.execute(sql, params)

    def _prepare(self, reset: bool) -> None:
        self._sql("SELECT count(*) FROM shop_user")
        (users,) = self.cursor.fetchone()
        if users and not reset:
            raise SystemExit("The database already has users: add --reset to empty it first.")
        if reset:
            self._sql(f"TRUNCATE {', '.join(FILLED_TABLES)}, django_session RESTART IDENTITY CASCADE")
        self._sql("SET synchronous_commit = off")
        self._sql("SET maintenance_work_mem = '1GB'")
        self._sql("SET work_mem = '256MB'")
        self._sql("SELECT setseed(%s)", [(self.seed % 1000) / 1000])

    def _load(self) -> None:
        self._sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = self.cursor.fetchone()[0]
        if superuser:
            # Every row is made consistent here: skip the per-row foreign key triggers.
            self._sql("SET session_replication_role = replica")
        indexes = self._step("drop secondary indexes", self._drop_indexes)
        self._step("picture files (20, with renditions)", self._image_files)
        self._step("users, stores, profiles", self._users_and_stores)
        self._step("products, variants, pictures", self._products)
        self._step("follows", self._follows)
        self._step("posts, pictures, tags, hashtags", self._posts)
        self._step("likes and saves (SQL)", self._likes_and_saves)
        self._step("comments", self._comments)
        self._step("counters and hot scores (SQL)", self._counters)
        self._step("rebuild indexes", self._create_indexes, indexes)
        if superuser:
            self._sql("SET session_replication_role = DEFAULT")
        self._step("sequences, vacuum, analyze", self._finish)

    def _drop_indexes(self) -> list[str]:
        """Drop the big tables' unique constraints and secondary indexes; return how to remake them."""
        statements = []
        for table in BIG_TABLES:
            self._sql(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'u'",
                [table],
            )
            for name, definition in self.cursor.fetchall():
                statements.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                self._sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            self._sql(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [table],
            )
            for name, definition in self.cursor.fetchall():
                statements.append(definition)
                self._sql(f'DROP INDEX "{name}"')
        return statements

    def _create_indexes(self, statements: list[str]) -> None:
        for statement in statements:
            self._sql(statement)

    def _image_files(self) -> None:
        """Twenty pictures, each with the renditions the pages show; every post points at one."""
        from PIL import Image, ImageDraw

        from shop.images import make_renditions

        self.images = []
        rng = self._rng("images")
        for number in range(IMAGE_FILES):
            width, height = (1080, 1350) if number % 4 == 3 else (1080, 1080)
            stem = f"bench-{number:02d}"
            names = {
                "image": f"posts/originals/{stem}.jpg",
                "thumbnail": f"posts/renditions/{stem}-thumbnail.jpg",
                "display": f"posts/renditions/{stem}-display.jpg",
                "webp": f"posts/renditions/{stem}-webp.webp",
            }
            if not all(default_storage.exists(name) for name in names.values()):
                picture = Image.new("RGB", (width, height), tuple(rng.randrange(60, 230) for _ in range(3)))
                draw = ImageDraw.Draw(picture)
                for _shape in range(12):
                    x, y = rng.randrange(width), rng.randrange(height)
                    size = rng.randrange(80, 400)
                    colour = tuple(rng.randrange(256) for _ in range(3))
                    draw.ellipse((x, y, x + size, y + size), fill=colour)
                original = io.BytesIO()
                picture.save(original, format="JPEG", quality=85)
                for name in names.values():
                    if default_storage.exists(name):
                        default_storage.delete(name)
                default_storage.save(names["image"], ContentFile(original.getvalue()))
                renditions = make_renditions(io.BytesIO(original.getvalue()))
                for field in ("thumbnail", "display", "webp"):
                    default_storage.save(names[field], ContentFile(renditions[field][1]))
            self.images.append((names, width, height))

    def _users_and_stores(self) -> None:
        rng = self._rng("users")
        year = 365 * 86_400
        self.bench_user_id = STORES + 1

        def users():
            for user_id in range(1, USERS + 1):
                if user_id <= STORES:
                    username = f"seller{user_id:03d}"
                elif user_id == self.bench_user_id:
                    username = BENCH_USERNAME
                else:
                    username = f"user{user_id:05d}"
                joined = _ts(self.now - year - rng.random() * year)
                yield (
                    user_id,
                    "!bench-no-password",
                    None,
                    False,
                    username,
                    rng.choice(FIRST_NAMES),
                    rng.choice(LAST_NAMES),
                    False,
                    True,
                    joined,
                    f"{username}@bench.etalase.test",
                    "",
                    "",
                    False,
                )

        self.loader.copy(
            "shop_user",
            _words("id password last_login is_superuser username first_name last_name is_staff is_active")
            + _words("date_joined email bio language share_purchases"),
            users(),
        )

        def stores():
            for store_id in range(1, STORES + 1):
                name = f"{STORE_WORDS[store_id % len(STORE_WORDS)]} {STORE_PLACES[store_id % len(STORE_PLACES)]}"
                yield (
                    store_id,
                    f"{name} {store_id}",
                    f"bench-store-{store_id:03d}",
                    "",
                    f"{name}: made in Indonesia.",
                    "",
                    True,
                    _ts(self.now - year - rng.random() * year),
                    store_id,
                )

        self.loader.copy(
            "catalog_store",
            ["id", "name", "slug", "logo", "description", "whatsapp", "is_active", "created_at", "owner_id"],
            stores(),
        )
        profiles = [(user_id, user_id, None) for user_id in range(1, USERS + 1)]
        profiles += [(USERS + store_id, None, store_id) for store_id in range(1, STORES + 1)]
        self.loader.copy(
            "social_profile",
            ["id", "follower_count", "following_count", "post_count", "user_id", "store_id"],
            ((pk, 0, 0, 0, user_id, store_id) for pk, user_id, store_id in profiles),
        )

    def _products(self) -> None:
        rng = self._rng("products")
        self.store_products: dict[int, list[int]] = {}
        products, variants, pictures = [], [], []
        product_id = variant_id = 0
        for store_id in range(1, STORES + 1):
            self.store_products[store_id] = []
            for number in range(rng.randint(5, 20)):
                product_id += 1
                self.store_products[store_id].append(product_id)
                created = _ts(self.now - rng.random() * 200 * 86_400)
                title = f"{rng.choice(PRODUCT_NOUNS)} {rng.choice(PRODUCT_ADJECTIVES)} {number + 1}"
                products.append(
                    (
                        product_id,
                        title,
                        f"bench-{store_id:03d}-{number + 1:02d}",
                        f"{title}, made by store {store_id}.",
                        "active",
                        created,
                        created,
                        created,
                        None,
                        store_id,
                    )
                )
                price = rng.randrange(15, 1500) * 1000 * 100  # rupiah, in sen
                for position in range(rng.choice((1, 1, 2, 3))):
                    variant_id += 1
                    options = (
                        '{"Size": "' + ("S", "M", "L")[position] + '"}' if position or rng.random() < 0.5 else "{}"
                    )
                    variants.append(
                        (
                            variant_id,
                            f"B{product_id}-{position}",
                            options,
                            price + position * 500_000,
                            None,
                            rng.choice((0, 3, 10, 25, 100)),
                            position,
                            product_id,
                            store_id,
                        )
                    )
                names, width, height = self.images[product_id % IMAGE_FILES]
                pictures.append(
                    (
                        product_id,
                        names["image"],
                        width,
                        height,
                        "",
                        0,
                        names["thumbnail"],
                        names["display"],
                        names["webp"],
                        names["image"],
                        product_id,
                        _ts(self.now),
                    )
                )
        self.loader.copy(
            "catalog_product",
            _words("id title slug description status created_at updated_at published_at category_id store_id"),
            products,
        )
        self.loader.copy(
            "catalog_productvariant",
            ["id", "sku", "options", "price", "compare_at_price", "stock", "position", "product_id", "store_id"],
            variants,
        )
        self.loader.copy(
            "catalog_productimage",
            _words("id image width height alt_text position thumbnail display webp renditions_source product_id")
            + ["uploaded_at"],
            pictures,
        )

    def _follows(self) -> None:
        """Each user follows 50-1,000 accounts: Zipf-popular stores and people, and friends."""
        rng = self._rng("follows")
        people = list(range(STORES + 1, USERS + 1))
        # Popularity of people: a random order, Zipf weights (a few influencers, a long tail).
        popular = people[:]
        rng.shuffle(popular)
        self.people_by_popularity = popular
        people_cumulative = _cumulative(_zipf_weights(len(popular), 0.85))
        store_weights = _zipf_weights(STORES, 0.9)
        # Circles of friends: neighbours on a random ring follow one another.
        ring = list(range(1, USERS + 1))
        rng.shuffle(ring)
        ring_position = {user_id: index for index, user_id in enumerate(ring)}
        blocked = set()
        while len(blocked) < BLOCKS:
            a, b = rng.sample(range(STORES + 2, USERS + 1), 2)
            blocked.add((a, b))
        self.blocks = sorted(blocked)
        forbidden: dict[int, set[int]] = {}
        for a, b in blocked:
            forbidden.setdefault(a, set()).add(b)
            forbidden.setdefault(b, set()).add(a)
        day = 86_400
        moments = [_ts(self.now - rng.random() * 365 * day) for _ in range(50_000)]
        self.following: dict[int, list[int]] = {}
        lines: list[str] = []
        follow_id = 0
        for user_id in range(1, USERS + 1):
            if user_id == self.bench_user_id:
                total, store_count, circle_count = BENCH_FOLLOWS, BENCH_STORE_FOLLOWS, 40
            else:
                total = 50 + int(950 * rng.random() ** 5)
                store_count = min(120, round(total * rng.uniform(0.1, 0.45)))
                circle_count = min(total - store_count, rng.randint(5, 25))
            chosen = [USERS + 1 + index for index in _sample_weighted(rng, store_weights, store_count)]
            excluded = {user_id} | forbidden.get(user_id, set())
            position = ring_position[user_id]
            neighbours = [ring[(position + offset) % USERS] for offset in range(-20, 21) if offset]
            followed_people = set(rng.sample(neighbours, circle_count)) - excluded
            wanted = total - store_count
            while len(followed_people) < wanted:
                followed_people.update(
                    rng.choices(popular, cum_weights=people_cumulative, k=wanted - len(followed_people))
                )
                followed_people -= excluded
            chosen += sorted(followed_people)
            self.following[user_id] = chosen
            for profile_id in chosen:
                follow_id += 1
                lines.append(f"{follow_id}\t{moments[follow_id % 50_000]}\t{user_id}\t{profile_id}\n")
        self.followers = Counter(itertools.chain.from_iterable(self.following.values()))
        self.loader.copy_lines("social_follow", ["id", "created_at", "follower_id", "followee_id"], lines)
        self.loader.copy(
            "social_block",
            ["created_at", "blocker_id", "blocked_id"],
            ((moments[index], a, b) for index, (a, b) in enumerate(self.blocks)),
        )
        self.follow_count = follow_id

    def _posts(self) -> None:
        rng = self._rng(f"posts:{self.posts}")
        store_post_cumulative = _cumulative([w**0.5 for w in _zipf_weights(STORES, 0.9)])
        # Posters: the most popular people post most; bench_follows_1000 posts too.
        posters = self.people_by_popularity[:POSTERS]
        if self.bench_user_id not in posters:
            posters.append(self.bench_user_id)
        poster_cumulative = _cumulative([1 / (rank + 10) ** 0.8 for rank in range(len(posters))])
        store_cumulative = _cumulative(_zipf_weights(STORES, 0.9))
        hashtag_cumulative = _cumulative(_zipf_weights(HASHTAGS, 1.0))
        hashtags = [
            f"{HASHTAG_WORDS[n % len(HASHTAG_WORDS)]}{'' if n < len(HASHTAG_WORDS) else n}" for n in range(HASHTAGS)
        ]
        hashtag_ids = {name: n + 1 for n, name in enumerate(hashtags)}
        self.loader.copy("social_hashtag", ["id", "name"], ((n + 1, name) for n, name in enumerate(hashtags)))
        span = DAYS * 86_400
        start = self.now - span
        self.post_times: list[float] = []
        raw_engagement: list[float] = []
        posts, pictures, tags, links = [], [], [], []
        picture_id = tag_id = 0
        for post_id in range(1, self.posts + 1):
            at = start + (post_id - 1 + rng.random()) * span / self.posts
            self.post_times.append(at)
            if rng.random() < STORE_POST_SHARE:
                store_id = _pick(rng, store_post_cumulative) + 1
                profile_id, author_id = USERS + store_id, store_id
                product_pool = self.store_products[store_id]
            else:
                author_id = posters[_pick(rng, poster_cumulative)]
                profile_id = author_id
                product_pool = self.store_products[_pick(rng, store_cumulative) + 1]
            followers = self.followers.get(profile_id, 0)
            raw_engagement.append((followers + 5) ** 0.7 * rng.paretovariate(2.5))
            words = {hashtags[_pick(rng, hashtag_cumulative)] for _ in range(rng.choice((0, 1, 1, 2, 3)))}
            caption = " ".join([rng.choice(CAPTIONS), *(f"#{word}" for word in sorted(words))])
            created = _ts(at)
            posts.append((post_id, caption, rng.random() < HIDDEN_POST_SHARE, created, author_id, profile_id))
            first_picture = picture_id + 1
            for position in range(rng.choices((1, 2, 3), (80, 15, 5))[0]):
                picture_id += 1
                names, width, height = self.images[rng.randrange(IMAGE_FILES)]
                pictures.append(
                    (
                        (
                            picture_id,
                            names["image"],
                            width,
                            height,
                            "",
                            position,
                            names["thumbnail"],
                            names["display"],
                            names["webp"],
                            names["image"],
                            post_id,
                        ),
                        created,
                    )
                )
            for product_id in rng.sample(product_pool, min(len(product_pool), rng.choices((1, 2, 3), (40, 35, 25))[0])):
                tag_id += 1
                image_id = rng.randint(first_picture, picture_id)
                x, y = round(rng.uniform(0.1, 0.9), 3), round(rng.uniform(0.1, 0.9), 3)
                tags.append((tag_id, x, y, image_id, post_id, product_id))
            for word in words:
                links.append((created, hashtag_ids[word], post_id))
            if len(posts) >= 200_000:
                self._flush_posts(posts, pictures, tags, links)
        self._flush_posts(posts, pictures, tags, links)
        self.raw_engagement = raw_engagement

    def _flush_posts(self, posts, pictures, tags, links) -> None:
        self.loader.copy(
            "social_post",
            _words("id caption is_hidden created_at author_id profile_id")
            + _words("like_count comment_count save_count hot_score fanned_out_at"),
            # Fanned out when published (the feeds are built from the follows afterwards).
            ((*row, 0, 0, 0, 0.0, row[3]) for row in posts),
        )
        self.loader.copy(
            "social_postimage",
            _words("id image width height alt_text position thumbnail display webp renditions_source post_id")
            + ["uploaded_at"],
            ((*row, row_created) for row, row_created in pictures),
        )
        self.loader.copy("social_producttag", ["id", "x", "y", "image_id", "post_id", "product_id"], tags)
        self.loader.copy("social_posthashtag", ["created_at", "hashtag_id", "post_id"], links)
        for rows in (posts, pictures, tags, links):
            rows.clear()

    def _engagement_counts(self, per_post: float, section: str) -> list[int]:
        """Per-post counts proportional to the post's raw engagement, ``per_post`` on average."""
        rng = self._rng(f"{section}:{self.posts}")
        factor = per_post * len(self.raw_engagement) / sum(self.raw_engagement)
        cap = USERS - 1
        return [min(cap, int(raw * factor * rng.uniform(0.5, 1.5) + rng.random())) for raw in self.raw_engagement]

    def _likes_and_saves(self) -> None:
        likes = self._engagement_counts(LIKES_PER_POST, "likes")
        saves = self._engagement_counts(SAVES_PER_POST, "saves")
        rng = self._rng(f"engagement:{self.posts}")
        self._sql("DROP TABLE IF EXISTS bench_engagement")
        self._sql(
            "CREATE TEMPORARY TABLE bench_engagement "
            "(post_id bigint, likes int, saves int, seed int, created_at timestamptz)"
        )
        self.loader.copy(
            "bench_engagement",
            ["post_id", "likes", "saves", "seed", "created_at"],
            (
                (
                    post_id,
                    likes[post_id - 1],
                    saves[post_id - 1],
                    rng.randrange(USERS),
                    _ts(self.post_times[post_id - 1]),
                )
                for post_id in range(1, self.posts + 1)
            ),
        )
        now = _ts(self.now)
        # Most likes come soon after the post appears.
        self._sql(
            f"""
            INSERT INTO social_like (user_id, post_id, created_at)
            SELECT 1 + mod(e.seed + k * {LIKE_STRIDE}, {USERS}), e.post_id,
                   e.created_at + (%s::timestamptz - e.created_at) * power(random(), 4)
            FROM bench_engagement e, generate_series(0, e.likes - 1) AS k
            """,
            [now],
        )
        self.like_count = self.cursor.rowcount
        self._sql(
            f"""
            INSERT INTO social_save (user_id, post_id, created_at)
            SELECT 1 + mod(e.seed + 5000 + k * {SAVE_STRIDE}, {USERS}), e.post_id,
                   e.created_at + (%s::timestamptz - e.created_at) * power(random(), 3)
            FROM bench_engagement e, generate_series(0, e.saves - 1) AS k
            """,
            [now],
        )
        self.save_count = self.cursor.rowcount
        self._sql("DROP TABLE bench_engagement")
        # The benchmark user likes and saves some of what they follow, as active people do,
        # so their pages show both states of the buttons.
        for table, share in (("social_like", BENCH_LIKE_SHARE), ("social_save", BENCH_SAVE_SHARE)):
            self._sql(
                f"""
                INSERT INTO {table} (user_id, post_id, created_at)
                SELECT f.follower_id, p.id, p.created_at + (%s::timestamptz - p.created_at) * random()
                FROM social_follow f JOIN social_post p ON p.profile_id = f.followee_id
                WHERE f.follower_id = %s AND random() < %s
                  AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.user_id = f.follower_id AND x.post_id = p.id)
                """,
                [now, self.bench_user_id, share],
            )
            if table == "social_like":
                self.like_count += self.cursor.rowcount
            else:
                self.save_count += self.cursor.rowcount

    def _comments(self) -> None:
        counts = self._engagement_counts(COMMENTS_PER_POST, "comments")
        rng = self._rng(f"comments:{self.posts}")
        self.comment_count = 0

        def comments():
            comment_id = 0
            for post_id, count in enumerate(counts, start=1):
                if not count:
                    continue
                at = self.post_times[post_id - 1]
                window = min(self.now - at, 3 * 86_400)
                threads: list[int] = []
                for number in range(count):
                    comment_id += 1
                    parent = rng.choice(threads) if threads and rng.random() < 0.25 else None
                    if parent is None:
                        threads.append(comment_id)
                    hidden = parent is None and rng.random() < 0.005
                    yield (
                        comment_id,
                        rng.choice(COMMENTS),
                        hidden,
                        _ts(at + window * (number + rng.random()) / count),
                        rng.randint(1, USERS),
                        parent,
                        post_id,
                    )
            self.comment_count = comment_id

        self.loader.copy(
            "social_comment", ["id", "body", "is_hidden", "created_at", "author_id", "parent_id", "post_id"], comments()
        )

    def _counters(self) -> None:
        """Counters and hot scores from the rows, as the services keep them (see hot_score_update)."""
        self._sql(
            """
            UPDATE social_profile p SET follower_count = c.n
            FROM (SELECT followee_id, count(*) AS n FROM social_follow GROUP BY followee_id) c
            WHERE p.id = c.followee_id
            """
        )
        self._sql(
            """
            UPDATE social_profile p SET following_count = c.n
            FROM (SELECT follower_id, count(*) AS n FROM social_follow GROUP BY follower_id) c
            WHERE p.user_id = c.follower_id
            """
        )
        self._sql(
            """
            UPDATE social_profile p SET post_count = c.n
            FROM (SELECT profile_id, count(*) AS n FROM social_post GROUP BY profile_id) c
            WHERE p.id = c.profile_id
            """
        )
        # A comment counts while it and its thread's first comment are visible.
        self._sql(
            """
            CREATE TEMPORARY TABLE bench_post_counts AS
            SELECT p.id,
                   coalesce(l.n, 0) AS likes, coalesce(c.n, 0) AS comments, coalesce(s.n, 0) AS saves
            FROM social_post p
            LEFT JOIN (SELECT post_id, count(*) AS n FROM social_like GROUP BY post_id) l ON l.post_id = p.id
            LEFT JOIN (SELECT post_id, count(*) AS n FROM social_save GROUP BY post_id) s ON s.post_id = p.id
            LEFT JOIN (
                SELECT c.post_id, count(*) AS n FROM social_comment c
                LEFT JOIN social_comment parent ON parent.id = c.parent_id
                WHERE NOT c.is_hidden AND (c.parent_id IS NULL OR NOT parent.is_hidden)
                GROUP BY c.post_id
            ) c ON c.post_id = p.id
            """
        )
        self._sql(
            """
            UPDATE social_post p
            SET like_count = c.likes, comment_count = c.comments, save_count = c.saves,
                hot_score = log(10, (c.likes + 2 * c.comments + 3 * c.saves + 1)::numeric)::float
                            + extract(epoch FROM p.created_at)::float / 86400
            FROM bench_post_counts c WHERE p.id = c.id
            """
        )
        self._sql("DROP TABLE bench_post_counts")
        # The UPDATE left a dead copy of every post: rewrite the table before its indexes exist.
        self._sql("VACUUM FULL social_post")
        self._sql("VACUUM FULL social_profile")

    def _finish(self) -> None:
        for table in FILLED_TABLES:
            self._sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"
            )
        self._sql("VACUUM ANALYZE")

    def _build_feeds(self, sample: int) -> None:
        """The real ``build_feed``, for the benchmark user and for a sample of active users."""
        from shop.models import User
        from social.services import build_feed

        rng = self._rng("feeds")
        bench = User.objects.select_related("profile").get(username=BENCH_USERNAME)
        began = time.monotonic()
        self.bench_entries = build_feed(user=bench)
        self.bench_build_seconds = time.monotonic() - began
        candidates = [user_id for user_id, followed in self.following.items() if len(followed) >= 100]
        candidates = [user_id for user_id in candidates if user_id != bench.pk]
        chosen = rng.sample(candidates, min(sample, len(candidates)))
        began = time.monotonic()
        for user in User.objects.filter(pk__in=chosen).select_related("profile"):
            build_feed(user=user)
        elapsed = time.monotonic() - began
        self.sample_build_seconds = elapsed / max(1, len(chosen))
        self.steps.append((f"build_feed for {len(chosen) + 1} users", elapsed + self.bench_build_seconds))
        if self.verbose:
            print(f"  {'build_feed for ' + str(len(chosen) + 1) + ' users':<44} {elapsed:7.1f} s")

    def _report(self, database: str, scale: int, total: float) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]
            cursor.execute("SELECT follower_count FROM social_profile WHERE store_id IS NOT NULL ORDER BY 1 DESC")
            store_followers = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                "SELECT min(following_count), max(following_count), avg(following_count)::int "
                "FROM social_profile WHERE user_id IS NOT NULL"
            )
            low, high, mean = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM social_feedentry")
            (entries,) = cursor.fetchone()
        self.summary = {
            "database": database,
            "scale": scale,
            "seconds": round(total, 1),
            "database_bytes": size,
            "users": USERS,
            "stores": STORES,
            "posts": self.posts,
            "follows": self.follow_count,
            "likes": self.like_count,
            "saves": self.save_count,
            "comments": self.comment_count,
            "feed_entries": entries,
            "bench_build_feed_seconds": round(self.bench_build_seconds, 3),
            "sample_build_feed_seconds": round(self.sample_build_seconds, 3),
        }
        if not self.verbose:
            return
        print(f"Generated scale {scale} into {database} in {total:.0f} s")
        print(
            f"  {USERS:,} users, {STORES} stores, {self.posts:,} posts, {self.follow_count:,} follows, "
            f"{self.like_count:,} likes, {self.comment_count:,} comments, {self.save_count:,} saves"
        )
        print(
            f"  follows per user: {low}-{high} (mean {mean}); store followers: top {store_followers[:5]}, "
            f"{sum(1 for n in store_followers if n >= 10_000)} stores with 10,000+"
        )
        print(
            f"  build_feed({BENCH_USERNAME}): {self.bench_build_seconds * 1000:.0f} ms for {self.bench_entries} "
            f"entries; sample average {self.sample_build_seconds * 1000:.0f} ms; {entries:,} feed entries"
        )
        print(f"  database size: {size / 1024**3:.2f} GiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="posts x 200,000 (users and follows stay the same)")
    parser.add_argument("--reset", action="store_true", help="empty the generated tables first")
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--feed-sample", type=int, default=FEED_SAMPLE, help="active users whose feed is built")
    parser.add_argument("--quiet", dest="verbose", action="store_false")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    import django

    django.setup()
    Generator(verbose=args.verbose).run(
        scale=args.scale, reset=args.reset, seed=args.seed, feed_sample=args.feed_sample
    )


if __name__ == "__main__":
    main()
