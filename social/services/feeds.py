"""The Following feed, materialised per user (fan-out on write).

Reading a page is one index range scan on ``FeedEntry(owner, -created_at, -post)``, so its
cost depends on the page size only, not on how many accounts a user follows or how many
posts exist. A user's feed is built in full the first time they open it (``build_feed``);
after that, each new post is pushed to the feeds of its profile's followers in batches by a
Celery task (``fan_out_post``), and following someone adds their recent posts at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from shop.models import User
from social.models import FeedEntry, Follow, Post, Profile

FAN_OUT_BATCH = 2_000
# A newly built feed holds the newest BUILD_LIMIT posts of everything followed: a window
# with no gaps, so pages older than its oldest entry are read straight from the posts.
BUILD_LIMIT = 1_000
BACKFILL_ON_FOLLOW = 20


def _entries(owner_id: int, posts: Iterable[tuple[int, int, datetime]]) -> list[FeedEntry]:
    return [FeedEntry(owner_id=owner_id, post_id=p[0], profile_id=p[1], created_at=p[2]) for p in posts]


@transaction.atomic
def build_feed(*, user: User) -> int:
    """Fill ``user``'s feed with the newest posts of everything they follow. Idempotent."""
    from social.services.profiles import profile_for_user

    profile = profile_for_user(user=user)
    followed = Follow.objects.filter(follower=user).values("followee_id")
    newest = (
        Post.objects.visible_to(user)
        .filter(profile_id__in=followed)
        .order_by("-created_at", "-id")
        .values_list("id", "profile_id", "created_at")[:BUILD_LIMIT]
    )
    created = FeedEntry.objects.bulk_create(_entries(user.pk, newest), ignore_conflicts=True, batch_size=FAN_OUT_BATCH)
    Profile.objects.filter(pk=profile.pk).update(feed_built_at=timezone.now())
    profile.feed_built_at = timezone.now()
    return len(created)


def backfill_feed(*, owner: User, profile: Profile) -> None:
    """After a follow: the followed profile's recent posts join ``owner``'s feed, if it is built."""
    built = Profile.objects.filter(user=owner, feed_built_at__isnull=False).exists()
    if not built:
        return
    recent = (
        Post.objects.visible_to(owner)
        .filter(profile=profile)
        .order_by("-created_at", "-id")
        .values_list("id", "profile_id", "created_at")[:BACKFILL_ON_FOLLOW]
    )
    FeedEntry.objects.bulk_create(_entries(owner.pk, recent), ignore_conflicts=True)


def fan_out_post(*, post_id: int) -> int:
    """Push one post into the built feeds of its profile's followers, in batches, then mark
    it fanned out (``Post.fanned_out_at``: the sweeper hands over again only posts without it).

    Idempotent (entries are unique per owner and post), so a retried task adds nothing
    twice; a post already fanned out is left alone. Followers whose feed was never built get
    it when they first open it. A post hidden by then is not pushed (nor later). Returns how
    many entries were written.
    """
    post = (
        Post.objects.filter(pk=post_id, fanned_out_at__isnull=True)
        .values("id", "profile_id", "created_at", "author_id", "is_hidden")
        .first()
    )
    if post is None:
        return 0
    written = 0 if post["is_hidden"] else _push_to_followers(post)
    Post.objects.filter(pk=post_id, fanned_out_at__isnull=True).update(fanned_out_at=timezone.now())
    return written


def _push_to_followers(post: Mapping[str, Any]) -> int:
    followers = (
        Follow.objects.filter(followee_id=post["profile_id"], follower__profile__feed_built_at__isnull=False)
        .exclude(follower__blocks__blocked_id=post["author_id"])
        .exclude(follower__blocked_by__blocker_id=post["author_id"])
        .order_by("follower_id")
        .values_list("follower_id", flat=True)
    )
    written = 0
    last_id = 0
    while True:
        batch = list(followers.filter(follower_id__gt=last_id)[:FAN_OUT_BATCH])
        if not batch:
            return written
        FeedEntry.objects.bulk_create(
            [
                FeedEntry(
                    owner_id=owner_id, post_id=post["id"], profile_id=post["profile_id"], created_at=post["created_at"]
                )
                for owner_id in batch
            ],
            ignore_conflicts=True,
        )
        written += len(batch)
        last_id = batch[-1]


def pending_fan_outs(*, since: datetime, until: datetime) -> QuerySet[Post]:
    """Posts published between ``since`` and ``until`` and not yet fanned out."""
    return Post.objects.filter(fanned_out_at__isnull=True, created_at__gte=since, created_at__lt=until)


def trim_feeds(*, keep: int = BUILD_LIMIT) -> int:
    """Keep only the newest ``keep`` entries of every materialised feed. Returns rows deleted.

    What remains is still a window with no gaps (the newest posts), so older pages keep
    working: they are read from the posts themselves.
    """
    ranked = FeedEntry.objects.annotate(
        rank=Window(RowNumber(), partition_by=F("owner_id"), order_by=(F("created_at").desc(), F("post_id").desc()))
    )
    surplus = list(ranked.filter(rank__gt=keep).values_list("id", flat=True)[:100_000])
    deleted = 0
    for start in range(0, len(surplus), 5_000):
        deleted += FeedEntry.objects.filter(id__in=surplus[start : start + 5_000]).delete()[0]
    return deleted
