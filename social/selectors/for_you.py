"""For you: discovery for everyone, posts ranked by recent engagement and the viewer's friends'
likes, never the viewer's own. The ranking is cached per viewer; pages are keyset positions in
it, then down the hot-score index past it."""

from __future__ import annotations

from array import array
from bisect import bisect_left

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Q, QuerySet

from shop.compiled import CompiledQuery
from shop.cursors import decode_cursor, encode_cursor
from shop.models import User
from social.models import Like, Post, may_have_blocks
from social.selectors.feeds import PAGE_SIZE, Page, _viewer, friend_ids, mark_viewer_state, post_rows

FOR_YOU_CANDIDATES = 400
FOR_YOU_CACHE_SECONDS = 300
# A For you page first reads this share of a page more than it shows (1/4), room for posts
# hidden, deleted or blocked since the ranking was cached.
FOR_YOU_HEADROOM_SHARE = 4
# A friend's like is worth this much hot score (log10 of engagement: 0.5 ~ 3x engagement).
FRIEND_LIKE_BOOST = 0.5
FRIEND_LIKES_WINDOW = 500


class Ranking:
    """(score, post id) pairs, best (highest) first, kept as two arrays: read from the cache on
    every For you page, they unpickle as two blocks of bytes instead of a tuple per post,
    and a page's place in them is found by bisection.

    ``floor`` is the (hot score, id) of the last hot-score candidate when there were more posts
    than candidates (None when the pairs are every post the viewer may see). Every pair is at
    or above it and every post past the ranking is below it, so one (score, id) cursor says
    unambiguously whether a page continues in the ranking or down the hot-score index."""

    __slots__ = ("scores", "ids", "floor")

    def __init__(self, pairs: list[tuple[float, int]], floor: tuple[float, int] | None = None) -> None:
        self.scores = array("d", [score for score, _id in pairs])
        self.ids = array("q", [post_id for _score, post_id in pairs])
        self.floor = floor

    def __getstate__(self) -> tuple[array, array, tuple[float, int] | None]:
        return self.scores, self.ids, self.floor

    def __setstate__(self, state: tuple[array, array, tuple[float, int] | None]) -> None:
        self.scores, self.ids, self.floor = state

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def complete(self) -> bool:
        """Whether the pairs are every post the viewer may see (nothing lies past them)."""
        return self.floor is None

    def start_after(self, position: tuple[float, int] | None) -> int:
        """The index of the first pair that comes after ``position`` (a smaller pair)."""
        if position is None:
            return 0
        # Best first, so "comes after" is False for a prefix of the pairs and True for the rest.
        return bisect_left(range(len(self.ids)), True, key=lambda i: (self.scores[i], self.ids[i]) < position)

    def pairs(self, start: int, stop: int) -> list[tuple[float, int]]:
        return list(zip(self.scores[start:stop], self.ids[start:stop], strict=True))


def _for_you_ranking(viewer: User | None) -> Ranking:
    """Hot posts plus those the viewer's friends liked, best first.

    The score is the post's hot score (engagement with a time decay) plus a boost for
    each friend who liked it. Cached per viewer for a few minutes, so deeper pages cost
    a cache read and one page of posts.
    """
    key = f"social:for-you:v4:{viewer.pk if viewer else 'anon'}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    candidates = Post.objects.visible_to(viewer)
    if viewer is not None:
        candidates = candidates.exclude(author=viewer)
    hottest = list(candidates.order_by("-hot_score", "-id").values_list("id", "hot_score")[:FOR_YOU_CANDIDATES])
    scores = dict(hottest)
    floor = (hottest[-1][1], hottest[-1][0]) if len(hottest) == FOR_YOU_CANDIDATES else None
    if viewer is not None:
        friends = friend_ids(viewer)
        if friends:
            liked = (
                Like.objects.filter(user_id__in=friends, post__in=candidates)
                .order_by("-created_at")
                .values_list("post_id", "post__hot_score")[:FRIEND_LIKES_WINDOW]
            )
            boosts: dict[int, int] = {}
            for post_id, hot in liked:
                scores.setdefault(post_id, hot)
                boosts[post_id] = boosts.get(post_id, 0) + 1
            for post_id, count in boosts.items():
                scores[post_id] += FRIEND_LIKE_BOOST * count
    pairs = sorted(((score, post_id) for post_id, score in scores.items()), key=lambda pair: (-pair[0], -pair[1]))
    if floor is not None:
        # A friend's like that does not lift a post above the candidates leaves it to the
        # hot-score index past the ranking, in its own place there (and only there).
        pairs = [pair for pair in pairs if pair >= floor]
    ranking = Ranking(pairs, floor)
    cache.set(key, ranking, FOR_YOU_CACHE_SECONDS)
    return ranking


def _rows_by_ids(*, viewer_id: int | None, ids: list[int], blocks: bool) -> QuerySet[Post]:
    return post_rows(User(pk=viewer_id) if viewer_id is not None else None, blocks=blocks).filter(pk__in=ids)


# Every For you page reads it: built and compiled once per process, and planned once per
# connection (``shop.compiled``): posts by their ids are read the same way for anyone.
_ROWS_BY_IDS = CompiledQuery(_rows_by_ids, kept_plan=True)


def for_you_feed(
    *, user: User | AnonymousUser | None = None, cursor: str | None = None, limit: int = PAGE_SIZE
) -> Page:
    """Discovery: posts ranked by recent engagement and friends' likes, never the viewer's own,
    as rows with the viewer's state: the ranking after the cursor, then the hot-score index
    past it.

    The cached ranking can name posts hidden, deleted or blocked since it was made: those
    are skipped and the page reads on, so it is full (and has its next cursor) whenever
    more posts exist. The first read takes a few pairs more than the page needs; each
    further one (only when many were skipped) twice as many as the one before, so a page
    costs one read of the ranking's posts as a rule and a handful at most.
    """
    viewer = _viewer(user)
    position = decode_cursor(cursor, float, int)
    ranking = _for_you_ranking(viewer)
    # Best first means descending (score, id): what comes after the cursor is smaller.
    start = ranking.start_after(position)
    page: list[tuple[float, Post]] = []
    window = limit + 1 + max(limit // FOR_YOU_HEADROOM_SHARE, 1)
    while len(page) <= limit and start < len(ranking):
        chosen = ranking.pairs(start, start + window)
        values = {"viewer_id": viewer.pk if viewer else None, "ids": [post_id for _s, post_id in chosen]}
        found = {post.pk: post for post in _ROWS_BY_IDS.rows(values, blocks=may_have_blocks(viewer))}
        page += [(score, found[post_id]) for score, post_id in chosen if post_id in found]
        start += len(chosen)
        window *= 2
    if len(page) <= limit and ranking.floor is not None:  # (not ``ranking.complete``)
        # The ranked candidates are used up: continue down the hot-score index, below them
        # (or below the cursor, when it is already there).
        floor = ranking.floor if position is None else min(position, ranking.floor)
        rest = post_rows(viewer)
        if viewer is not None:
            rest = rest.exclude(author=viewer)
        rest = (
            rest.filter(Q(hot_score__lt=floor[0]) | Q(hot_score=floor[0], id__lt=floor[1]))
            .exclude(pk__in=list(ranking.ids))
            .order_by("-hot_score", "-id")[: limit + 1 - len(page)]
        )
        page += [(post.hot_score, post) for post in rest]
    more = len(page) > limit
    page = page[:limit]
    next_cursor = encode_cursor(page[-1][0], page[-1][1].pk) if more and page else None
    return Page(mark_viewer_state([post for _score, post in page], viewer), next_cursor)
