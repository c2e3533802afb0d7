"""The demo's follows, likes, comments and saves, all through ``social.services``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError

from catalog.demo.specs import SHOPPERS
from catalog.demo.stores import STORES
from catalog.models import Store
from shop.models import User
from social import services
from social.demo.base import SHOPPER_NAMES, SocialReport, count, seeded_random
from social.demo.content import COMMENTS, SHOPPER_REPLIES, STORE_COMMENTS, STORE_REPLIES
from social.demo.posts import PlannedPost
from social.models import Comment, Follow, Like, Post, Save

FRIEND_NOTES = ("lihat ini!", "ini yang kita omongin kemarin 😆", "kado ulang tahun?", "you need this")

# --- The follow graph ---------------------------------------------------------------------


def _planned_follows(people: dict[str, User], stores: dict[str, Store]) -> list[tuple[str, str, str]]:
    """(follower, "store" or "user", followed) triples, in a fixed order."""
    shoppers = [p.username for p in SHOPPERS if p.username in people]
    store_slugs = [s.slug for s in STORES if s.slug in stores]
    follows: set[tuple[str, str, str]] = set()
    for name in shoppers:
        rng = seeded_random("follows", name)
        for slug in rng.sample(store_slugs, k=min(len(store_slugs), rng.randint(2, 4))):
            follows.add((name, "store", slug))
        others = [other for other in shoppers if other != name]
        for other in rng.sample(others, k=min(len(others), rng.randint(3, 8))):
            follows.add((name, "user", other))
    for follower, kind, followed in sorted(follows):
        if kind == "user" and seeded_random("follows back", followed, follower).random() < 0.5:
            follows.add((followed, "user", follower))  # friends: they follow each other
    for index, store in enumerate(STORES):
        owner = store.owner.username
        if owner not in people:
            continue
        rng = seeded_random("follows", owner)
        other_stores = [slug for slug in store_slugs if slug != store.slug]
        # The seller demo login follows every other store and many people: a lively Following feed.
        store_count, people_count = (len(other_stores), 8) if index == 0 else (rng.randint(1, 3), rng.randint(2, 5))
        for slug in rng.sample(other_stores, k=min(len(other_stores), store_count)):
            follows.add((owner, "store", slug))
        for name in rng.sample(shoppers, k=min(len(shoppers), people_count)):
            follows.add((owner, "user", name))
            if seeded_random("follows back", name, owner).random() < 0.3:
                follows.add((name, "store", store.slug))
    return sorted(follows)


def existing_follows(people: dict[str, User]) -> set[tuple[int, int]]:
    return set(Follow.objects.filter(follower__in=people.values()).values_list("follower_id", "followee_id"))


def ensure_follows(
    report: SocialReport, people: dict[str, User], stores: dict[str, Store], existing: set[tuple[int, int]]
) -> None:
    for follower, kind, followed in _planned_follows(people, stores):
        if kind == "store":
            profile = services.profile_for_store(store=stores[followed])
        else:
            profile = services.profile_for_user(user=people[followed])
        if (people[follower].pk, profile.pk) in existing:
            count(report, "follows", False)
            continue
        try:
            made = services.follow(follower=people[follower], profile=profile)
        except (PermissionDenied, ValidationError):
            continue  # someone blocked someone since the last seed: leave it so
        count(report, "follows", made)


# --- Likes, comments, saves ---------------------------------------------------------------


@dataclass
class Engagement:
    """What ``_engage`` made, with the times to give it: likes and comments came in over the
    days after each post, not all during the seed."""

    liked: set[tuple[int, int]]  # (user, post) pairs there before
    saved: set[tuple[int, int]]
    commented: dict[tuple, Comment]  # (post, author, text, parent) -> the comment there before
    like_times: dict[tuple[int, int], datetime] = field(default_factory=dict)  # (user, post) -> when
    comments: list[Comment] = field(default_factory=list)


def engage(report: SocialReport, people: dict[str, User], posts: list[tuple[PlannedPost, Post]], now) -> None:
    everyone = sorted(people.items())
    followed = _followed_profiles(people)
    post_ids = [post.pk for _planned, post in posts]
    made = Engagement(
        liked=set(Like.objects.filter(post__in=post_ids).values_list("user_id", "post_id")),
        saved=set(Save.objects.filter(post__in=post_ids).values_list("user_id", "post_id")),
        commented={(c.post_id, c.author_id, c.body, c.parent_id): c for c in Comment.objects.filter(post__in=post_ids)},
    )
    for planned, post in posts:
        rng = seeded_random("engagement", planned.key)
        appeal = rng.uniform(0.6, 1.4)
        audience = [(name, user) for name, user in everyone if user.pk != post.author_id]
        for name, user in audience:
            chance = (0.5 if post.profile_id in followed.get(name, ()) else 0.15) * appeal
            if rng.random() < chance:
                _like(report, made, user, post, _later(rng, post.created_at, now, (0.02, 0.9)))
        how_many = rng.choices((0, 1, 2, 3, 4), (15, 30, 30, 15, 10))[0]
        for name, user in rng.sample(audience, k=min(len(audience), how_many)):
            body = _comment_text(rng, planned, name, people)
            at = _later(rng, post.created_at, now, (0.05, 0.6))
            comment = _comment(report, made, user, post, body, None, at)
            if comment is not None and rng.random() < 0.5:
                reply = rng.choice(STORE_REPLIES if planned.profile.store_id else SHOPPER_REPLIES)
                at = _later(rng, comment.created_at, now, (0.1, 0.5))
                _comment(report, made, planned.author, post, reply, comment, at)
    store_posts = [post for planned, post in posts if planned.profile.store_id]
    for name, user in everyone:
        if name not in SHOPPER_NAMES:
            continue
        rng = seeded_random("saves", name)
        for post in rng.sample(store_posts, k=min(len(store_posts), rng.choice((0, 0, 1, 1, 2, 3)))):
            if (user.pk, post.pk) in made.saved:
                count(report, "saves", False)
                continue
            try:
                saved = services.save_post(user=user, post=post)
            except PermissionDenied:
                continue
            count(report, "saves", saved)
    _backdate_engagement(made)


def _followed_profiles(people: dict[str, User]) -> dict[str, set[int]]:
    names = {user.pk: name for name, user in people.items()}
    followed: dict[str, set[int]] = {}
    for follower_id, profile_id in Follow.objects.filter(follower_id__in=names).values_list(
        "follower_id", "followee_id"
    ):
        followed.setdefault(names[follower_id], set()).add(profile_id)
    return followed


def _later(rng: random.Random, after: datetime, now: datetime, share: tuple[float, float]) -> datetime:
    return after + (now - after) * rng.uniform(*share)


def _like(report: SocialReport, made: Engagement, user: User, post: Post, at: datetime) -> None:
    if (user.pk, post.pk) in made.liked:
        count(report, "likes", False)
        return
    try:
        liked = services.like(user=user, post=post)
    except PermissionDenied:
        return  # hidden by staff, or a block, since the last seed
    count(report, "likes", liked)
    if liked:
        made.like_times[(user.pk, post.pk)] = at


def _comment(report, made: Engagement, author, post: Post, body: str, parent, at: datetime) -> Comment | None:
    existing = made.commented.get((post.pk, author.pk, body, parent.pk if parent is not None else None))
    if existing is not None:
        count(report, "comments", False)
        return existing
    try:
        comment = services.add_comment(author=author, post=post, body=body, parent=parent)
    except (PermissionDenied, ValidationError):
        return None
    count(report, "comments", True)
    comment.created_at = at
    made.comments.append(comment)
    return comment


def _backdate_engagement(made: Engagement) -> None:
    if made.like_times:
        post_ids = {post_id for _user_id, post_id in made.like_times}
        user_ids = {user_id for user_id, _post_id in made.like_times}
        likes = []
        for like in Like.objects.filter(post_id__in=post_ids, user_id__in=user_ids).only("pk", "user", "post"):
            at = made.like_times.get((like.user_id, like.post_id))
            if at is not None:
                like.created_at = at
                likes.append(like)
        Like.objects.bulk_update(likes, ["created_at"], batch_size=200)
    Comment.objects.bulk_update(made.comments, ["created_at"], batch_size=200)


def _comment_text(rng: random.Random, planned: PlannedPost, commenter: str, people: dict[str, User]) -> str:
    if rng.random() < 0.2:
        friends = [name for name in sorted(people) if name != commenter and name in SHOPPER_NAMES]
        if friends:
            return f"@{rng.choice(friends)} {rng.choice(FRIEND_NOTES)}"
    return rng.choice(COMMENTS + STORE_COMMENTS.get(planned.store_slug, ()))
