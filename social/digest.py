"""The daily digest: once a day, one notification (and email) per shopper listing what the
stores they follow posted in the last 24 hours. Never one email per post.

``send_daily_digests`` runs from the periodic task (``social.tasks``, at a fixed hour). It
finds the store profiles that posted in the window (one query), then walks their followers
in keyset batches of user ids. A batch costs the same few set-based queries whatever its
size or the number of posts: the follows of the batch, the newest posts of the stores they
follow (at most ``max_posts`` per store, by a window function), their first pictures, the
blocks involving the batch, and ``notify_batch``'s bulk writes. Each shopper gets at most
one digest a day: its group key holds the local date (``digest:2025-01-31``) and is checked
before the insert, so a rerun (a retried task, a second beat) writes nothing new.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from checkout.reminders import id_batches
from shop.models import Notification
from shop.notifications import kinds
from shop.notifications.batch import Draft, notify_batch
from shop.notifications.emails import absolute
from social.models import Block, Follow, Post, PostImage

DIGEST = "daily_digest"
BATCH_SIZE = 1000
CAPTION_CHARS = 140
STORES_NAMED = 3


def max_posts() -> int:
    return settings.DAILY_DIGEST_MAX_POSTS


def digest_text(actor: str, others: int, data: dict) -> str:
    count = int(data.get("count", 0))
    return ngettext(
        "%(count)d new post from the stores you follow", "%(count)d new posts from the stores you follow", count
    ) % {"count": count}


def digest_context(notification) -> dict:
    posts = [
        {**post, "url": absolute(post["url"]), "image": absolute(post["image"]) if post.get("image") else ""}
        for post in notification.data.get("posts", [])
    ]
    stores = notification.data.get("stores", [])
    return {
        "posts": posts,
        "stores": stores,
        "more_stores": max(0, notification.data.get("store_count", 0) - len(stores)),
    }


def register_kinds() -> None:
    # In the inbox too (one line a day, grouped by the day, linking to the Following feed);
    # each shopper can turn either channel off on the settings page.
    kinds.register(
        kinds.Kind(
            name=DIGEST,
            label=_("Daily digest of the stores you follow"),
            text=digest_text,
            email_template="social/emails/daily_digest",
            email_context=digest_context,
        )
    )


def send_daily_digests(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Write today's digests for every follower of a store that posted in the last 24 hours.
    Idempotent for the day. Returns how many were written."""
    now = now or timezone.now()
    since = now - timedelta(days=1)
    profile_ids = list(_recent_posts(since, now).values_list("profile_id", flat=True).distinct().order_by())
    if not profile_ids:
        return 0
    followers = Follow.objects.filter(followee_id__in=profile_ids)
    written = 0
    for user_ids in id_batches(followers, "follower_id", batch_size):
        written += len(digest_batch(user_ids, profile_ids=profile_ids, since=since, now=now))
    return written


def _recent_posts(since: datetime, now: datetime):
    return Post.objects.visible().filter(
        created_at__gt=since, created_at__lte=now, profile__store__isnull=False, profile__store__is_active=True
    )


def digest_batch(
    user_ids: list[int], *, profile_ids: list[int], since: datetime, now: datetime, limit: int | None = None
) -> list[Notification]:
    """The digests of one batch of users, in a constant number of queries."""
    limit = limit or max_posts()
    day = timezone.localdate(now)
    followed: dict[int, list[int]] = defaultdict(list)
    for follower_id, profile_id in Follow.objects.filter(
        follower_id__in=user_ids, followee_id__in=profile_ids
    ).values_list("follower_id", "followee_id"):
        followed[follower_id].append(profile_id)
    wanted = {profile_id for profiles in followed.values() for profile_id in profiles}
    if not wanted:
        return []

    # The newest ``limit`` posts of each store, and how many each (store, author) posted.
    posts = list(
        _recent_posts(since, now)
        .filter(profile_id__in=wanted)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("profile_id")], order_by=[F("created_at").desc(), F("id").desc()]),
            total=Window(Count("id"), partition_by=[F("profile_id"), F("author_id")]),
        )
        .filter(rank__lte=limit)
        .values("id", "profile_id", "author_id", "caption", "created_at", "total", store_name=F("profile__store__name"))
    )
    by_profile: dict[int, list[dict]] = defaultdict(list)
    for post in posts:
        by_profile[post["profile_id"]].append(post)
    pictures: dict[int, str] = {}
    for image in PostImage.objects.filter(post_id__in=[post["id"] for post in posts]).order_by(
        "post_id", "-position", "-id"
    ):
        pictures[image.post_id] = image.thumbnail_url  # the last one written is the first picture
    blocked: set[tuple[int, int]] = set()
    for blocker_id, blocked_id in Block.objects.filter(
        Q(blocker_id__in=user_ids) | Q(blocked_id__in=user_ids)
    ).values_list("blocker_id", "blocked_id"):
        blocked.update({(blocker_id, blocked_id), (blocked_id, blocker_id)})

    drafts = []
    target_url = reverse("social:following")
    for user_id in user_ids:
        seen = [
            post
            for profile_id in followed.get(user_id, ())
            for post in by_profile.get(profile_id, ())
            if post["author_id"] != user_id and (user_id, post["author_id"]) not in blocked
        ]
        if not seen:
            continue
        seen.sort(key=lambda post: (post["created_at"], post["id"]), reverse=True)
        count = sum({(post["profile_id"], post["author_id"]): post["total"] for post in seen}.values())
        stores = list(dict.fromkeys(post["store_name"] for post in seen))
        shown = [
            {
                "id": post["id"],
                "store": post["store_name"],
                "caption": Truncator(post["caption"]).chars(CAPTION_CHARS),
                "image": pictures.get(post["id"], ""),
                "url": reverse("social:post_detail", kwargs={"pk": post["id"]}),
            }
            for post in seen[:limit]
        ]
        drafts.append(
            Draft(
                recipient_id=user_id,
                target_url=target_url,
                data={
                    "day": day.isoformat(),
                    "count": count,
                    "stores": stores[:STORES_NAMED],
                    "store_count": len(stores),
                    "posts": shown,
                },
                group_key=f"digest:{day.isoformat()}",
            )
        )
    return notify_batch(DIGEST, drafts, unless_since=now - timedelta(days=2))
