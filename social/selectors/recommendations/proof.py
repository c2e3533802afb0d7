"""What friends liked, rated or (opted in) bought: on a product page ("Ani and 2 friends
bought this", ``friend_proof``) and in the "From your friends" shelf (``friends_shelf``).
Both read the same proof rows, one statement whatever the number of friends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from catalog.models import Product
from shop.models import User
from social.selectors.feeds import PERSON_FOLLOWING_ATTRIBUTE
from social.selectors.recommendations.friends import FRIENDS_CTE, _fetch, _paid_in, _paid_params, _sql
from social.selectors.recommendations.products import product_cards

# A positive review, for "rated this".
POSITIVE_RATING = 4
SHELF_LIMIT = 24

LIKED, RATED, BOUGHT = "liked", "rated", "bought"
PROOF_KINDS = (BOUGHT, RATED, LIKED)  # the strongest first: a friend's purchase says the most


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


def friend_proof(*, product_id: int, user: User | AnonymousUser | None) -> FriendProof:
    """What the viewer's friends did with the product ``product_id``: one query, whatever the
    number of friends; nothing (and no query) for an anonymous viewer or one who follows nobody
    (friends follow each other)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return FriendProof()
    if getattr(user, PERSON_FOLLOWING_ATTRIBUTE, None) == 0:  # read with the person: no friends
        return FriendProof()
    sql = _sql(FRIEND_PROOF_SQL.replace("{proof_rows}", _proof_rows(product_filter=True)))
    params = {"me": user.pk, "product": product_id, "positive": POSITIVE_RATING, **_paid_params()}
    entries: dict[int, FriendProofEntry] = {}
    for user_id, username, first_name, last_name, kind in _fetch(sql, params, keep_plan=True):
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
