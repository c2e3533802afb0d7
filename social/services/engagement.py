"""Likes, saves and comments. Counters change with ``F()`` in the same transaction as the row."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from catalog.models import Store
from shop.models import User
from social import notifications
from social.models import COMMENT_MAX, Comment, Like, Post, Save
from social.services.posts import hot_score_update
from social.services.profiles import is_blocked_between


def _require_visible(post: Post, user: User) -> None:
    if post.is_hidden or is_blocked_between(user_a_id=user.pk, user_b_id=post.author_id):
        raise PermissionDenied(_("You cannot interact with this post."))


@transaction.atomic
def like(*, user: User, post: Post) -> bool:
    """Like ``post``. Returns False if it was already liked (nothing changes)."""
    _require_visible(post, user)
    try:
        with transaction.atomic():
            Like.objects.create(user=user, post=post)
    except IntegrityError:
        return False
    Post.objects.filter(pk=post.pk).update(**hot_score_update(post=post, likes=1))
    notifications.liked(user=user, post=post)
    return True


@transaction.atomic
def unlike(*, user: User, post: Post) -> bool:
    deleted, _detail = Like.objects.filter(user=user, post=post).delete()
    if deleted:
        Post.objects.filter(pk=post.pk).update(**hot_score_update(post=post, likes=-1))
    return bool(deleted)


@transaction.atomic
def save_post(*, user: User, post: Post) -> bool:
    _require_visible(post, user)
    try:
        with transaction.atomic():
            Save.objects.create(user=user, post=post)
    except IntegrityError:
        return False
    Post.objects.filter(pk=post.pk).update(**hot_score_update(post=post, saves=1))
    return True


@transaction.atomic
def unsave_post(*, user: User, post: Post) -> bool:
    deleted, _detail = Save.objects.filter(user=user, post=post).delete()
    if deleted:
        Post.objects.filter(pk=post.pk).update(**hot_score_update(post=post, saves=-1))
    return bool(deleted)


@transaction.atomic
def add_comment(*, author: User, post: Post, body: str, parent: Comment | None = None) -> Comment:
    """Comment on ``post``, or reply to a top-level comment of it (one level of replies)."""
    _require_visible(post, author)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something first.")})
    if len(body) > COMMENT_MAX:
        raise ValidationError({"body": _("A comment has at most %(n)d characters.") % {"n": COMMENT_MAX}})
    if "\x00" in body:
        raise ValidationError({"body": _("Null characters are not allowed.")})
    if parent is not None:
        if parent.post_id != post.pk or parent.is_hidden:
            raise ValidationError({"parent": _("You can only reply to a comment on this post.")})
        if parent.parent_id is not None:
            parent = parent.parent  # a reply to a reply joins the same thread
    comment = Comment.objects.create(post=post, author=author, parent=parent, body=body)
    Post.objects.filter(pk=post.pk).update(**hot_score_update(post=post, comments=1))
    notifications.commented(comment=comment, post=post, parent=parent)
    return comment


def can_moderate(*, user: User, post: Post) -> bool:
    """The post's author, the owner of the store it was posted as, and staff."""
    if user.is_staff and user.is_superuser:
        return True
    if post.author_id == user.pk:
        return True
    store_id = post.profile.store_id
    return store_id is not None and Store.objects.filter(pk=store_id, owner=user).exists()


def _visible_in_thread(comment: Comment) -> int:
    """How many visible comments go when ``comment`` goes (itself and its visible replies)."""
    if comment.parent_id is not None:
        if comment.is_hidden:
            return 0
        return 0 if comment.parent is not None and comment.parent.is_hidden else 1
    if comment.is_hidden:
        return 0  # its replies were already out of the count with it
    return 1 + comment.replies.filter(is_hidden=False).aggregate(n=Count("id"))["n"]


@transaction.atomic
def delete_comment(*, comment: Comment, actor: User) -> None:
    """Authors delete their own comments; the post's author deletes any on their post."""
    post = comment.post
    if comment.author_id != actor.pk and not can_moderate(user=actor, post=post):
        raise PermissionDenied(_("You cannot delete this comment."))
    gone = _visible_in_thread(comment)
    comment.delete()
    if gone:
        Post.objects.filter(pk=post.pk).update(**hot_score_update(post=post, comments=-gone))


@transaction.atomic
def hide_comment(*, comment: Comment, actor: User) -> bool:
    """Moderation: the comment (and its replies) no longer show; the post's count drops."""
    if not can_moderate(user=actor, post=comment.post):
        raise PermissionDenied(_("You cannot moderate this comment."))
    if comment.is_hidden:
        return False
    gone = _visible_in_thread(comment)
    Comment.objects.filter(pk=comment.pk).update(is_hidden=True)
    comment.is_hidden = True
    Post.objects.filter(pk=comment.post_id).update(**hot_score_update(post=comment.post, comments=-gone))
    return True


@transaction.atomic
def unhide_comment(*, comment: Comment, actor: User) -> bool:
    if not can_moderate(user=actor, post=comment.post):
        raise PermissionDenied(_("You cannot moderate this comment."))
    if not comment.is_hidden:
        return False
    Comment.objects.filter(pk=comment.pk).update(is_hidden=False)
    comment.is_hidden = False
    back = _visible_in_thread(comment)
    Post.objects.filter(pk=comment.post_id).update(**hot_score_update(post=comment.post, comments=back))
    return True
