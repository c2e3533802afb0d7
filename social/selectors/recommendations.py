"""Friends' reads shared by the pages and the API: people you may know, what friends liked,
rated or bought (on a product page and in the "From your friends" shelf), the recommendations
someone received, and "you may also like".

Friends are mutual follows between two people's profiles. The heavy reads are one or two
set-based SQL statements (CTEs that run unchanged on PostgreSQL and SQLite), never a loop
of queries per friend. Purchases enter only for buyers who opted in (``share_purchases``),
and only the viewer's friends are ever looked at: the SQL has no other way in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import FloatField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from catalog import hooks
from catalog.models import Product
from catalog.selectors import ProductFilters, product_list
from checkout.models import Order, OrderLine, OrderStatus
from shop.models import User
from social.models import (
    Block,
    Follow,
    FriendSuggestionDismissal,
    Like,
    Post,
    PostImage,
    ProductAffinity,
    ProductTag,
    Profile,
    Recommendation,
    Review,
)
from social.selectors.feeds import Page, _time, decode_cursor, encode_cursor

# People you may know: how many are computed and cached, and for how long.
PYMK_LIMIT = 30
PYMK_CACHE_SECONDS = 300
# The second tier ranks people by the stores they share with the viewer, over the viewer's
# least-followed stores only: a niche store in common says more than a store everyone follows.
# It reads the followers of at most PYMK_STORES_CONSIDERED stores, and stops adding stores once
# their followers reach PYMK_STORE_FOLLOWERS_READ (a popular store has 15,000+ followers on the
# benchmark graph): whatever one follows, the rows read stay bounded.
PYMK_STORES_CONSIDERED = 30
PYMK_STORE_FOLLOWERS_READ = 20_000
# A positive review, for "rated this".
POSITIVE_RATING = 4
PAID_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)
SHELF_LIMIT = 24
ALSO_LIKE_LIMIT = 6
RECEIVED_PAGE = 20

LIKED, RATED, BOUGHT = "liked", "rated", "bought"
PROOF_KINDS = (BOUGHT, RATED, LIKED)  # the strongest first: a friend's purchase says the most


def _tables() -> dict[str, str]:
    """The tables the raw SQL reads, by their models (never spelled out twice)."""
    return {
        "user": User._meta.db_table,
        "profile": Profile._meta.db_table,
        "follow": Follow._meta.db_table,
        "block": Block._meta.db_table,
        "dismissal": FriendSuggestionDismissal._meta.db_table,
        "like": Like._meta.db_table,
        "post": Post._meta.db_table,
        "tag": ProductTag._meta.db_table,
        "review": Review._meta.db_table,
        "order": Order._meta.db_table,
        "line": OrderLine._meta.db_table,
        "product": Product._meta.db_table,
        "store": Product._meta.get_field("store").related_model._meta.db_table,
        "affinity": ProductAffinity._meta.db_table,
    }


# The viewer's friends: the people whose profile the viewer follows and who follow the
# viewer's profile back. Needs the parameter %(me)s.
FRIENDS_CTE = """
friends AS (
    SELECT fp.user_id AS friend_id, fp.id AS profile_id
    FROM {follow} f
    JOIN {profile} fp ON fp.id = f.followee_id
    WHERE f.follower_id = %(me)s
      AND fp.user_id IS NOT NULL
      AND EXISTS (
          SELECT 1 FROM {follow} back
          WHERE back.follower_id = fp.user_id
            AND back.followee_id = (SELECT id FROM {profile} WHERE user_id = %(me)s)
      )
)"""


def _sql(template: str) -> str:
    # PostgreSQL plans a CTE marked MATERIALIZED on its own (see PYMK_FRIENDS_OF_FRIENDS).
    materialized = "MATERIALIZED" if connection.vendor == "postgresql" else ""
    return template.format(materialized=materialized, **_tables())


def _fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _paid_params() -> dict:
    return {f"paid{index}": str(status) for index, status in enumerate(PAID_STATUSES)}


def _paid_in() -> str:
    return "(" + ", ".join(f"%(paid{index})s" for index in range(len(PAID_STATUSES))) + ")"


def friends_among(user: User, user_ids) -> set[int]:
    """Which of ``user_ids`` are ``user``'s friends (one query)."""
    ids = sorted({int(pk) for pk in user_ids})
    if not ids or user is None or not user.is_authenticated:
        return set()
    placeholders = ", ".join(f"%(id{index})s" for index in range(len(ids)))
    sql = _sql("WITH " + FRIENDS_CTE + f" SELECT friend_id FROM friends WHERE friend_id IN ({placeholders})")
    params = {"me": user.pk, **{f"id{index}": pk for index, pk in enumerate(ids)}}
    return {row[0] for row in _fetch(sql, params)}


def friends_of(user: User) -> QuerySet[User]:
    """``user``'s active friends by name (one query): whom a recommendation may go to."""
    if user is None or not user.is_authenticated:
        return User.objects.none()
    followed_back = Follow.objects.filter(follower=user, followee__user__follows__followee__user=user)
    return User.objects.filter(is_active=True, pk__in=followed_back.values("followee__user_id")).order_by(
        "first_name", "last_name", "username"
    )


# --- People you may know ------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """Someone the viewer may know: plain data, kept in the cache as it is."""

    user_id: int
    username: str
    name: str
    profile_id: int | None
    mutual_friends: int = 0  # friends the viewer and they have in common
    shared_stores: int = 0  # stores they both follow (the second tier)
    via_name: str = ""  # one of the mutual friends, to say "Ani and 2 others"

    @property
    def initial(self) -> str:
        return (self.name or self.username)[:1].upper()


# Only people who are not the viewer, not followed by the viewer, not blocked either way,
# not dismissed, and active. Needs %(me)s; reads the candidate's id as ``c.candidate_id``.
_EXCLUSIONS = """
    u.is_active
    AND c.candidate_id <> %(me)s
    AND c.candidate_id NOT IN (
        SELECT fp.user_id FROM {follow} f JOIN {profile} fp ON fp.id = f.followee_id
        WHERE f.follower_id = %(me)s AND fp.user_id IS NOT NULL
    )
    AND NOT EXISTS (
        SELECT 1 FROM {block} b
        WHERE (b.blocker_id = %(me)s AND b.blocked_id = c.candidate_id)
           OR (b.blocker_id = c.candidate_id AND b.blocked_id = %(me)s)
    )
    AND NOT EXISTS (
        SELECT 1 FROM {dismissal} d WHERE d.user_id = %(me)s AND d.suggested_id = c.candidate_id
    )"""

# Tier 1: friends of friends. A candidate is a friend (mutual follow) of one of the viewer's
# friends; their rank is how many such friends they share with the viewer. ``edges`` walks what
# each friend follows (an index-only range of the unique (follower, followee) index, 50-1,000
# rows each), then each edge's way back is one probe of the same index. On PostgreSQL the CTE
# is MATERIALIZED: left to itself the planner starts from the friends' followers instead (the
# single-column followee index, then a heap fetch per row), 3-5x slower on the benchmark graph.
PYMK_FRIENDS_OF_FRIENDS = (
    "WITH "
    + FRIENDS_CTE
    + """,
edges AS {materialized} (
    SELECT fr.friend_id, fr.profile_id AS friend_profile_id, cp.user_id AS candidate_id
    FROM friends fr
    JOIN {follow} f_out ON f_out.follower_id = fr.friend_id
    JOIN {profile} cp ON cp.id = f_out.followee_id
    WHERE cp.user_id IS NOT NULL
),
candidates AS (
    SELECT e.candidate_id, COUNT(*) AS mutual, MIN(e.friend_id) AS via_id
    FROM edges e
    WHERE EXISTS (
        SELECT 1 FROM {follow} f_back
        WHERE f_back.follower_id = e.candidate_id AND f_back.followee_id = e.friend_profile_id
    )
    GROUP BY e.candidate_id
)
SELECT c.candidate_id, c.mutual, c.via_id
FROM candidates c JOIN {user} u ON u.id = c.candidate_id
WHERE"""
    + _EXCLUSIONS
    + """
ORDER BY c.mutual DESC, c.candidate_id
LIMIT %(limit)s"""
)

# Tier 2: people who follow the same stores, ranked by how many they share. ``my_stores``: the
# viewer's stores, least followed first, while the followers read so far stay within budget
# (the first store always counts).
PYMK_SAME_STORES = (
    """WITH my_stores AS (
    SELECT profile_id FROM (
        SELECT sp.id AS profile_id,
               SUM(sp.follower_count) OVER (ORDER BY sp.follower_count, sp.id) - sp.follower_count AS read_before
        FROM {follow} f JOIN {profile} sp ON sp.id = f.followee_id
        WHERE f.follower_id = %(me)s AND sp.store_id IS NOT NULL
    ) ranked_stores
    WHERE read_before < %(budget)s
    ORDER BY read_before
    LIMIT %(stores)s
),
candidates AS (
    SELECT f.follower_id AS candidate_id, COUNT(*) AS shared
    FROM {follow} f
    WHERE f.followee_id IN (SELECT profile_id FROM my_stores)
    GROUP BY f.follower_id
)
SELECT c.candidate_id, c.shared
FROM candidates c JOIN {user} u ON u.id = c.candidate_id
WHERE"""
    + _EXCLUSIONS
    + """
ORDER BY c.shared DESC, c.candidate_id
LIMIT %(limit)s"""
)


def pymk_cache_key(user_id: int) -> str:
    return f"social:pymk:v1:{user_id}"


def compute_people_you_may_know(*, user_id: int, limit: int = PYMK_LIMIT) -> list[Suggestion]:
    """People ``user_id`` may know, best first, straight from the database (no cache).

    Friends of friends by the number of mutual friends, then (if they leave room) people
    who follow the same stores by the number of stores shared. Two statements at most, and
    one more for the names.
    """
    params = {
        "me": user_id,
        "limit": limit,
        "stores": PYMK_STORES_CONSIDERED,
        "budget": PYMK_STORE_FOLLOWERS_READ,
    }
    ranked: list[tuple[int, int, int, int | None]] = [
        (candidate, mutual, 0, via) for candidate, mutual, via in _fetch(_sql(PYMK_FRIENDS_OF_FRIENDS), params)
    ]
    if len(ranked) < limit:
        chosen = {row[0] for row in ranked}
        params["limit"] = limit + len(chosen)
        for candidate, shared in _fetch(_sql(PYMK_SAME_STORES), params):
            if candidate not in chosen and len(ranked) < limit:
                ranked.append((candidate, 0, shared, None))
    if not ranked:
        return []
    wanted = {row[0] for row in ranked} | {row[3] for row in ranked if row[3]}
    people = {person.pk: person for person in User.objects.filter(pk__in=wanted).select_related("profile")}
    suggestions = []
    for candidate, mutual, shared, via in ranked:
        person = people.get(candidate)
        if person is None:
            continue
        profile = person.profile if hasattr(person, "profile") else None  # none: never followed anyone
        via_person = people.get(via) if via else None
        suggestions.append(
            Suggestion(
                user_id=person.pk,
                username=person.username,
                name=person.display_name,
                profile_id=profile.pk if profile is not None else None,
                mutual_friends=mutual,
                shared_stores=shared,
                via_name=via_person.display_name if via_person else "",
            )
        )
    return suggestions


def people_you_may_know(*, user: User, limit: int = PYMK_LIMIT) -> list[Suggestion]:
    """``compute_people_you_may_know``, cached per person for ``PYMK_CACHE_SECONDS``.

    The services drop the entry when the person follows, unfollows, blocks or dismisses
    someone (``services.recommendations.forget_friend_reads``); what their friends do
    reaches them when the entry expires. A cached page costs no query.
    """
    if user is None or not user.is_authenticated:
        return []
    key = pymk_cache_key(user.pk)
    suggestions = cache.get(key)
    if suggestions is None:
        suggestions = compute_people_you_may_know(user_id=user.pk, limit=PYMK_LIMIT)
        cache.set(key, suggestions, PYMK_CACHE_SECONDS)
    return suggestions[:limit]


# --- Friend proof: "Ani and 2 friends liked / rated / bought this" ------------------------------

# Each (friend, kind) once. Likes count on visible posts that tag the product; reviews when
# positive and not hidden; purchases only in a paid state and only from buyers who opted in.
_PROOF_ROWS = """
    SELECT l.user_id AS user_id, t.product_id AS product_id, 'liked' AS kind, l.created_at AS happened_at
    FROM {like} l
    JOIN {tag} t ON t.post_id = l.post_id
    JOIN {post} p ON p.id = l.post_id
    WHERE NOT p.is_hidden AND l.user_id IN (SELECT friend_id FROM friends) {like_filter}
    UNION ALL
    SELECT r.author_id, r.product_id, 'rated', r.created_at
    FROM {review} r
    WHERE r.rating >= %(positive)s AND NOT r.is_hidden
      AND r.author_id IN (SELECT friend_id FROM friends) {review_filter}
    UNION ALL
    SELECT o.buyer_id, ol.product_id, 'bought', COALESCE(o.paid_at, o.placed_at)
    FROM {line} ol
    JOIN {order} o ON o.id = ol.order_id
    JOIN {user} buyer ON buyer.id = o.buyer_id
    WHERE buyer.share_purchases AND o.status IN {paid}
      AND o.buyer_id IN (SELECT friend_id FROM friends) AND ol.product_id IS NOT NULL {line_filter}"""


def _proof_rows(product_filter: bool) -> str:
    filters = {
        "like_filter": "AND t.product_id = %(product)s" if product_filter else "",
        "review_filter": "AND r.product_id = %(product)s" if product_filter else "",
        "line_filter": "AND ol.product_id = %(product)s" if product_filter else "",
        "paid": _paid_in(),
    }
    return (
        _PROOF_ROWS.replace("{like_filter}", filters["like_filter"])
        .replace("{review_filter}", filters["review_filter"])
        .replace("{line_filter}", filters["line_filter"])
        .replace("{paid}", filters["paid"])
    )


FRIEND_PROOF_SQL = (
    "WITH "
    + FRIENDS_CTE
    + """,
proof AS ("""
    + "{proof_rows}"
    + """
)
SELECT DISTINCT u.id, u.username, u.first_name, u.last_name, proof.kind
FROM proof JOIN {user} u ON u.id = proof.user_id
WHERE u.is_active
ORDER BY u.id"""
)


@dataclass
class FriendProofEntry:
    user_id: int
    username: str
    name: str
    kinds: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class ProofLine:
    """One kind of proof: ``first`` and ``others`` more friends ``kind`` this."""

    kind: str
    first: str
    others: int
    usernames: tuple[str, ...]


@dataclass
class FriendProof:
    friends: list[FriendProofEntry] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.friends)

    def __bool__(self) -> bool:
        return bool(self.friends)

    @property
    def lines(self) -> list[ProofLine]:
        """One line per kind present, the strongest first: bought, rated, liked."""
        lines = []
        for kind in PROOF_KINDS:
            people = [entry for entry in self.friends if kind in entry.kinds]
            if people:
                lines.append(
                    ProofLine(
                        kind=kind,
                        first=people[0].name,
                        others=len(people) - 1,
                        usernames=tuple(entry.username for entry in people),
                    )
                )
        return lines


def _proof_order(entry: FriendProofEntry) -> tuple:
    strongest = min(PROOF_KINDS.index(kind) for kind in entry.kinds)
    return (strongest, entry.name.lower(), entry.user_id)


def friend_proof(*, product: Product, user) -> FriendProof:
    """What the viewer's friends did with ``product``: one query, whatever the number of
    friends; nothing (and no query) for an anonymous viewer."""
    if user is None or not user.is_authenticated:
        return FriendProof()
    sql = _sql(FRIEND_PROOF_SQL.replace("{proof_rows}", _proof_rows(product_filter=True)))
    params = {"me": user.pk, "product": product.pk, "positive": POSITIVE_RATING, **_paid_params()}
    entries: dict[int, FriendProofEntry] = {}
    for user_id, username, first_name, last_name, kind in _fetch(sql, params):
        entry = entries.get(user_id)
        if entry is None:
            name = f"{first_name} {last_name}".strip() or username
            entry = entries[user_id] = FriendProofEntry(user_id=user_id, username=username, name=name)
        entry.kinds.add(kind)
    return FriendProof(sorted(entries.values(), key=_proof_order))


# --- "From your friends" shelf ----------------------------------------------------------------

FRIENDS_SHELF_SQL = (
    "WITH "
    + FRIENDS_CTE
    + """,
proof AS ("""
    + "{proof_rows}"
    + """
),
ranked AS (
    SELECT proof.product_id,
           COUNT(DISTINCT proof.user_id) AS friends,
           MAX(proof.happened_at) AS latest,
           MIN(proof.user_id) AS first_friend,
           MAX(CASE WHEN proof.kind = 'liked' THEN 1 ELSE 0 END) AS liked,
           MAX(CASE WHEN proof.kind = 'rated' THEN 1 ELSE 0 END) AS rated,
           MAX(CASE WHEN proof.kind = 'bought' THEN 1 ELSE 0 END) AS bought
    FROM proof
    JOIN {product} pr ON pr.id = proof.product_id
    JOIN {store} s ON s.id = pr.store_id
    JOIN {user} friend ON friend.id = proof.user_id
    WHERE pr.status = %(active)s AND s.is_active AND friend.is_active
    GROUP BY proof.product_id
)
SELECT ranked.product_id, ranked.friends, ranked.first_friend, ranked.liked, ranked.rated, ranked.bought,
       u.username, u.first_name, u.last_name
FROM ranked JOIN {user} u ON u.id = ranked.first_friend
ORDER BY ranked.friends DESC, ranked.latest DESC, ranked.product_id DESC
LIMIT %(limit)s"""
)


@dataclass
class ShelfItem:
    product: Product
    friends: int
    first_name: str
    first_username: str
    kinds: tuple[str, ...]

    @property
    def others(self) -> int:
        return self.friends - 1


def product_cards(ids: list[int], *, user=None) -> dict[int, Product]:
    """Active products ready for ``components/product_card.html`` (price, stock, cover, and
    what the layers above attach through ``catalog.hooks``), by id. Three queries at most."""
    if not ids:
        return {}
    products = hooks.decorate_product_list(product_list(filters=ProductFilters()).filter(pk__in=ids))
    return {product.pk: product for product in products}


SHELF_CACHE_SECONDS = 300
# Bumped when someone stops sharing purchases: every cached shelf is dropped at once, so a
# purchase they no longer share leaves their friends' shelves now, not minutes later.
SHELF_SHARING_VERSION_KEY = "social:shelf:sharing-version"


def shelf_cache_key(user_id: int) -> str:
    version = cache.get(SHELF_SHARING_VERSION_KEY, 0)
    return f"social:shelf:v1:{version}:{user_id}"


def _shelf_rows(user_id: int) -> list[tuple]:
    """(product id, friends, first friend's name, their username, kinds) for the top
    ``SHELF_LIMIT`` products, cached for ``SHELF_CACHE_SECONDS``: what friends do reaches the
    shelf within minutes; an unfollow, a block or a stop to sharing drops it at once."""
    key = shelf_cache_key(user_id)
    rows = cache.get(key)
    if rows is not None:
        return rows
    sql = _sql(FRIENDS_SHELF_SQL.replace("{proof_rows}", _proof_rows(product_filter=False)))
    params = {
        "me": user_id,
        "positive": POSITIVE_RATING,
        "active": str(Product.Status.ACTIVE),
        "limit": SHELF_LIMIT,
        **_paid_params(),
    }
    rows = []
    for product_id, friends, _first, liked, rated, bought, username, first_name, last_name in _fetch(sql, params):
        kinds = tuple(kind for kind, flag in ((BOUGHT, bought), (RATED, rated), (LIKED, liked)) if flag)
        rows.append((product_id, friends, f"{first_name} {last_name}".strip() or username, username, kinds))
    cache.set(key, rows, SHELF_CACHE_SECONDS)
    return rows


def friends_shelf(*, user: User, limit: int = SHELF_LIMIT) -> list[ShelfItem]:
    """Products the viewer's friends liked, rated or (opted in) bought, the most friends first,
    then the most recent. The ranking is one query (cached, see ``_shelf_rows``); the product
    cards are read fresh (prices, stock), in constant queries."""
    if user is None or not user.is_authenticated:
        return []
    rows = _shelf_rows(user.pk)[:limit]
    cards = product_cards([row[0] for row in rows])
    return [
        ShelfItem(product=cards[product_id], friends=friends, first_name=name, first_username=username, kinds=kinds)
        for product_id, friends, name, username, kinds in rows
        if product_id in cards
    ]


# --- Recommended to you ---------------------------------------------------------------------


def received_recommendations(*, user: User, cursor: str | None = None, limit: int = RECEIVED_PAGE) -> Page:
    """What friends recommended to ``user``, newest first (keyset pages). A product no longer
    on sale, a post now hidden and a sender blocked either way are left out. Constant queries."""
    position = decode_cursor(cursor, _time, int)
    queryset = (
        Recommendation.objects.filter(recipient=user, sender__is_active=True)
        .exclude(sender__in=Block.objects.filter(blocker=user).values("blocked_id"))
        .exclude(sender__in=Block.objects.filter(blocked=user).values("blocker_id"))
        .filter(Q(product__isnull=True) | Q(product__status=Product.Status.ACTIVE, product__store__is_active=True))
        .filter(Q(post__isnull=True) | Q(post__is_hidden=False))
        .exclude(post__author__in=Block.objects.filter(blocker=user).values("blocked_id"))
        .exclude(post__author__in=Block.objects.filter(blocked=user).values("blocker_id"))
    )
    if position is not None:
        at, last_id = position
        queryset = queryset.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=last_id))
    covers = PostImage.objects.order_by("position", "id")
    rows = list(
        queryset.select_related("sender", "post__profile__user", "post__profile__store")
        .prefetch_related(Prefetch("post__images", queryset=covers, to_attr="ordered_images"))
        .order_by("-created_at", "-id")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    cards = product_cards(sorted({row.product_id for row in rows if row.product_id}))
    items = []
    for row in rows:
        if row.product_id:
            row.product_card = cards.get(row.product_id)
            if row.product_card is None:
                continue
        items.append(row)
    next_cursor = encode_cursor(rows[-1].created_at.isoformat(), rows[-1].pk) if more and rows else None
    return Page(items, next_cursor)


def unseen_recommendation_count(user: User) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Recommendation.objects.filter(recipient=user, seen_at__isnull=True).count()


# --- You may also like --------------------------------------------------------------------


def also_like(*, product: Product, limit: int = ALSO_LIKE_LIMIT) -> list[Product]:
    """ "You may also like": the precomputed ``ProductAffinity`` rows of ``product``, best
    first, as product cards (active products only). Never computed here: an empty table
    shows nothing. Three queries whatever the number of rows (products, covers, hooks)."""
    affinity = ProductAffinity.objects.filter(product=product)
    score = Subquery(affinity.filter(other=OuterRef("pk")).values("score")[:1], output_field=FloatField())
    products: QuerySet[Product] = (
        product_list(filters=ProductFilters())
        .filter(pk__in=affinity.order_by("-score", "other_id").values("other_id")[: limit * 2])
        .annotate(affinity_score=Coalesce(score, 0.0))
        .order_by("-affinity_score", "-id")
    )
    return hooks.decorate_product_list(products[:limit])
