"""Friends' reads shared by the pages and the API: people you may know, what friends liked,
rated or bought (on a product page and in the "From your friends" shelf), the recommendations
someone received, and "you may also like".

Friends are mutual follows between two people's profiles. The heavy reads are one or two
set-based SQL statements (CTEs that run unchanged on PostgreSQL and SQLite), never a loop
of queries per friend. Purchases enter only for buyers who opted in (``share_purchases``),
and only the viewer's friends are ever looked at: the SQL has no other way in.

One module per read: ``friends`` (who the friends are, and the SQL plumbing the others
share), ``people`` (people you may know), ``proof`` (friend proof and the shelf),
``received`` (recommendations received) and ``products`` (product cards, "you may also
like"). Everything is importable from here, as ``social.selectors.recommendations.<name>``.
"""

from social.selectors.recommendations.friends import (  # noqa: F401  (the SQL plumbing, for services and benchmarks)
    FRIENDS_CTE,
    PAID_STATUSES,
    _fetch,
    _paid_in,
    _paid_params,
    _sql,
    _tables,
    friends_among,
    friends_of,
)
from social.selectors.recommendations.people import (
    PYMK_CACHE_SECONDS,
    PYMK_FRIENDS_OF_FRIENDS,
    PYMK_LIMIT,
    PYMK_SAME_STORES,
    PYMK_STORE_FOLLOWERS_READ,
    PYMK_STORES_CONSIDERED,
    Suggestion,
    compute_people_you_may_know,
    people_you_may_know,
    pymk_cache_key,
)
from social.selectors.recommendations.products import ALSO_LIKE_LIMIT, also_like, product_cards
from social.selectors.recommendations.proof import (
    BOUGHT,
    FRIEND_PROOF_SQL,
    FRIENDS_SHELF_SQL,
    LIKED,
    POSITIVE_RATING,
    PROOF_KINDS,
    RATED,
    SHELF_CACHE_SECONDS,
    SHELF_LIMIT,
    SHELF_SHARING_VERSION_KEY,
    FriendProof,
    FriendProofEntry,
    ProofLine,
    ShelfItem,
    friend_proof,
    friends_shelf,
    shelf_cache_key,
)
from social.selectors.recommendations.received import (
    RECEIVED_PAGE,
    received_recommendations,
    unseen_recommendation_count,
)

__all__ = [
    "ALSO_LIKE_LIMIT",
    "BOUGHT",
    "FRIENDS_CTE",
    "FRIENDS_SHELF_SQL",
    "FRIEND_PROOF_SQL",
    "LIKED",
    "PAID_STATUSES",
    "POSITIVE_RATING",
    "PROOF_KINDS",
    "PYMK_CACHE_SECONDS",
    "PYMK_FRIENDS_OF_FRIENDS",
    "PYMK_LIMIT",
    "PYMK_SAME_STORES",
    "PYMK_STORES_CONSIDERED",
    "PYMK_STORE_FOLLOWERS_READ",
    "RATED",
    "RECEIVED_PAGE",
    "SHELF_CACHE_SECONDS",
    "SHELF_LIMIT",
    "SHELF_SHARING_VERSION_KEY",
    "FriendProof",
    "FriendProofEntry",
    "ProofLine",
    "ShelfItem",
    "Suggestion",
    "also_like",
    "compute_people_you_may_know",
    "friend_proof",
    "friends_among",
    "friends_of",
    "friends_shelf",
    "people_you_may_know",
    "product_cards",
    "pymk_cache_key",
    "received_recommendations",
    "shelf_cache_key",
    "unseen_recommendation_count",
]
