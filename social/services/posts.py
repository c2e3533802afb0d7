"""Posts, their pictures, shoppable product tags, hashtags and mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Log
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from shop import stencil
from shop.models import User
from social.models import (
    CAPTION_MAX,
    POST_IMAGES_MAX,
    FeedEntry,
    Hashtag,
    Mention,
    Post,
    PostHashtag,
    PostImage,
    ProductTag,
    Profile,
)
from social.services.profiles import can_post_as, profile_for_user

HASHTAG_RE = re.compile(r"(?<![\w#&])#(\w{1,100})")
MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")
TAGS_PER_IMAGE_MAX = 20
# One day newer is worth ten times the engagement (hot_score is log10-based).
SECONDS_PER_HOT_POINT = 86_400


def hashtags_in(text: str) -> list[str]:
    seen: list[str] = []
    for name in HASHTAG_RE.findall(text):
        if not name.isdigit() and name.lower() not in seen:
            seen.append(name.lower())
    return seen


def mentions_in(text: str) -> list[str]:
    seen: list[str] = []
    for name in MENTION_RE.findall(text):
        name = name.rstrip(".")
        if name and name.lower() not in seen:
            seen.append(name.lower())
    return seen


def hot_score_update(*, post: Post, likes: int = 0, comments: int = 0, saves: int = 0) -> dict:
    """``update()`` kwargs that change counters and recompute the hot score in one statement.

    The SQL reads the counters as they are in the row being updated (locked by the
    UPDATE), so concurrent changes never lose one another.
    """
    changes: dict = {}
    if likes:
        changes["like_count"] = F("like_count") + likes
    if comments:
        changes["comment_count"] = F("comment_count") + comments
    if saves:
        changes["save_count"] = F("save_count") + saves
    engagement = (F("like_count") + likes) + 2 * (F("comment_count") + comments) + 3 * (F("save_count") + saves)
    changes["hot_score"] = Log(10, engagement + 1.0) + post.created_at.timestamp() / SECONDS_PER_HOT_POINT
    return changes


@dataclass
class TagSpec:
    """A tag to place: on picture ``image_index`` (0-based), ``product`` at (x, y)."""

    image_index: int
    product: Product
    x: float
    y: float


def check_tag(*, profile: Profile, product: Product, x: float, y: float) -> None:
    """A store tags its own active products; a person tags any active product."""
    try:
        x, y = float(x), float(y)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"tags": _("A tag needs a position x and y between 0 and 1.")}) from exc
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise ValidationError({"tags": _("A tag's position must be between 0 and 1 (x and y).")})
    if product.status != Product.Status.ACTIVE or not product.store.is_active:
        raise ValidationError({"tags": _("%(product)s is not on sale, so it cannot be tagged.") % {"product": product}})
    if profile.store_id is not None and product.store_id != profile.store_id:
        raise ValidationError({"tags": _("A store can tag only its own products.")})


def _link_words(post: Post) -> None:
    """(Re)create the post's hashtag and mention rows from its caption."""
    PostHashtag.objects.filter(post=post).delete()
    already_mentioned = set(Mention.objects.filter(post=post).values_list("user_id", flat=True))
    Mention.objects.filter(post=post).delete()
    names = hashtags_in(post.caption)
    if names:
        existing = {tag.name: tag for tag in Hashtag.objects.filter(name__in=names)}
        missing = [Hashtag(name=name) for name in names if name not in existing]
        Hashtag.objects.bulk_create(missing, ignore_conflicts=True)
        tags = Hashtag.objects.filter(name__in=names)
        PostHashtag.objects.bulk_create(
            [PostHashtag(post=post, hashtag=tag, created_at=post.created_at) for tag in tags]
        )
    handles = mentions_in(post.caption)
    if handles:
        users = list(User.objects.filter(username__iregex=r"^(" + "|".join(re.escape(h) for h in handles) + r")$"))
        Mention.objects.bulk_create([Mention(post=post, user=user) for user in users], ignore_conflicts=True)
        from social import notifications

        # Only people newly mentioned hear about it (an edited caption keeps the others).
        fresh = [user for user in users if user.pk not in already_mentioned]
        notifications.mentioned(post=post, users=fresh)


def _clean_caption(caption: str) -> str:
    caption = (caption or "").strip()
    if len(caption) > CAPTION_MAX:
        raise ValidationError({"caption": _("A caption has at most %(n)d characters.") % {"n": CAPTION_MAX}})
    if "\x00" in caption:
        raise ValidationError({"caption": _("Null characters are not allowed.")})
    return caption


def create_post(
    *,
    author: User,
    images: list,
    caption: str = "",
    profile: Profile | None = None,
    alt_texts: list[str] | None = None,
    tags: list[TagSpec] | None = None,
) -> Post:
    """Publish a post of 1 to 10 pictures as ``profile`` (default: the author's own).

    ``images`` must already have passed ``shop.images.verify_image`` (the form and
    serializer fields do that). Followers' feeds get the post after commit.
    """
    # The profile is made outside the post's transaction: a refused post must not roll
    # back a profile that the user object already holds.
    profile = profile or profile_for_user(user=author)
    with transaction.atomic():
        return _create_post(
            author=author, images=images, caption=caption, profile=profile, alt_texts=alt_texts, tags=tags
        )


def _create_post(
    *,
    author: User,
    images: list,
    caption: str,
    profile: Profile,
    alt_texts: list[str] | None,
    tags: list[TagSpec] | None,
) -> Post:
    if not can_post_as(user=author, profile=profile):
        raise PermissionDenied(_("You cannot post for this profile."))
    if not 1 <= len(images) <= POST_IMAGES_MAX:
        raise ValidationError({"images": _("A post has 1 to %(n)d pictures.") % {"n": POST_IMAGES_MAX}})
    caption = _clean_caption(caption)
    tags = tags or []
    for spec in tags:
        if not 0 <= spec.image_index < len(images):
            raise ValidationError({"tags": _("A tag points at a picture the post does not have.")})
        check_tag(profile=profile, product=spec.product, x=spec.x, y=spec.y)
    post = Post.objects.create(author=author, profile=profile, caption=caption)
    Post.objects.filter(pk=post.pk).update(**hot_score_update(post=post))
    alt_texts = alt_texts or []
    pictures = []
    for position, upload in enumerate(images):
        alt = alt_texts[position] if position < len(alt_texts) else ""
        pictures.append(
            PostImage.objects.create(post=post, image=upload, alt_text=(alt or "")[:200], position=position)
        )
    seen = set()
    for spec in tags:
        key = (spec.image_index, spec.product.pk)
        if key in seen:
            continue
        seen.add(key)
        ProductTag.objects.create(image=pictures[spec.image_index], post=post, product=spec.product, x=spec.x, y=spec.y)
    _link_words(post)
    Profile.objects.filter(pk=profile.pk).update(post_count=F("post_count") + 1)
    _after_commit_publish(post, pictures)
    post.refresh_from_db()
    return post


def _after_commit_publish(post: Post, pictures: list[PostImage]) -> None:
    from shop.broker import publish  # lost to a broker outage, they are swept again (see Post.fanned_out_at)
    from social.tasks import fan_out_post_task, make_post_image_renditions

    post_id = post.pk
    image_ids = [picture.pk for picture in pictures]

    def enqueue() -> None:
        for image_id in image_ids:
            publish(make_post_image_renditions, image_id)
        publish(fan_out_post_task, post_id)

    transaction.on_commit(enqueue)


def _require_author(post: Post, actor: User) -> None:
    if post.author_id != actor.pk:
        raise PermissionDenied(_("Only the author can change this post."))


@transaction.atomic
def edit_caption(*, post: Post, editor: User, caption: str) -> Post:
    _require_author(post, editor)
    post.caption = _clean_caption(caption)
    post.edited_at = timezone.now()
    post.save(update_fields=["caption", "edited_at"])
    _link_words(post)
    return post


@transaction.atomic
def delete_post(*, post: Post, actor: User) -> None:
    """The author deletes their post (and its pictures' files, after commit)."""
    _require_author(post, actor)
    files = []
    for picture in post.images.all():
        files += [f for f in (picture.image, picture.thumbnail, picture.display, picture.webp) if f]
    Profile.objects.filter(pk=post.profile_id).update(post_count=F("post_count") - 1)
    post.delete()

    def remove_files() -> None:
        for file in files:
            if file.name:  # (kept only when set)
                file.storage.delete(file.name)

    transaction.on_commit(remove_files)


@transaction.atomic
def hide_post(*, post: Post, hidden: bool = True) -> None:
    """Staff moderation: a hidden post leaves every feed."""
    Post.objects.filter(pk=post.pk).update(is_hidden=hidden)
    stencil.updated(Post)
    if hidden:
        FeedEntry.objects.filter(post=post).delete()


@transaction.atomic
def tag_product(*, actor: User, image: PostImage, product: Product, x: float, y: float) -> ProductTag:
    post = image.post
    _require_author(post, actor)
    check_tag(profile=post.profile, product=product, x=x, y=y)
    if image.tags.count() >= TAGS_PER_IMAGE_MAX:
        raise ValidationError({"tags": _("A picture has at most %(n)d tags.") % {"n": TAGS_PER_IMAGE_MAX}})
    tag, _created = ProductTag.objects.update_or_create(
        image=image, product=product, defaults={"post": post, "x": float(x), "y": float(y)}
    )
    _tags_changed(post.pk)
    return tag


def remove_tag(*, actor: User, tag: ProductTag) -> None:
    _require_author(tag.post, actor)
    with transaction.atomic():
        tag.delete()
        _tags_changed(tag.post_id)


def _tags_changed(post_id: int) -> None:
    """The post's cached cards show its tags: a new tag version makes every cached card of
    it outdated (``social.cards.card_version``), in every process and cache."""
    Post.objects.filter(pk=post_id).update(tag_version=F("tag_version") + 1)
