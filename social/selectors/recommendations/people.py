"""People you may know: friends of friends, then people who follow the same stores, in two
set-based statements at most, cached per person.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

from shop.models import User
from social.selectors.recommendations.friends import FRIENDS_CTE, _fetch, _sql

# People you may know: how many are computed and cached, and for how long.
PYMK_LIMIT = 30
PYMK_CACHE_SECONDS = 300
# The second tier ranks people by the stores they share with the viewer, over the viewer's
# least-followed stores only: a niche store in common says more than a store everyone follows.
# It reads the followers of at most PYMK_STORES_CONSIDERED stores, and stops adding stores once
# their followers reach PYMK_STORE_FOLLOWERS_READ (a popular store may have tens of thousands of
# followers): whatever one follows, the rows read stay bounded.
PYMK_STORES_CONSIDERED = 30
PYMK_STORE_FOLLOWERS_READ = 20_000


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
# single-column followee index, then a heap fetch per row), several times slower (bench/README.md).
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
