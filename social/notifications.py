"""The social notification kinds and who gets them. Services call these inside their
transaction; ``register_kinds`` runs in ``SocialConfig.ready()``."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from shop.models import User
from shop.notifications import kinds
from shop.notifications.services import notify


def _fill(text: str, actor: str, others: int) -> str:
    return text % {"actor": actor or gettext("Someone"), "count": others}


def follower_text(actor: str, others: int, data: dict) -> str:
    if others <= 0:
        return _fill(gettext("%(actor)s started following you"), actor, others)
    return _fill(
        ngettext(
            "%(actor)s and %(count)d other started following you",
            "%(actor)s and %(count)d others started following you",
            others,
        ),
        actor,
        others,
    )


def like_text(actor: str, others: int, data: dict) -> str:
    if others <= 0:
        return _fill(gettext("%(actor)s liked your post"), actor, others)
    return _fill(
        ngettext(
            "%(actor)s and %(count)d other liked your post", "%(actor)s and %(count)d others liked your post", others
        ),
        actor,
        others,
    )


def comment_text(actor: str, others: int, data: dict) -> str:
    if others <= 0:
        return _fill(gettext("%(actor)s commented on your post"), actor, others)
    return _fill(
        ngettext(
            "%(actor)s and %(count)d other commented on your post",
            "%(actor)s and %(count)d others commented on your post",
            others,
        ),
        actor,
        others,
    )


def reply_text(actor: str, others: int, data: dict) -> str:
    if others <= 0:
        return _fill(gettext("%(actor)s replied to your comment"), actor, others)
    return _fill(
        ngettext(
            "%(actor)s and %(count)d other replied to your comment",
            "%(actor)s and %(count)d others replied to your comment",
            others,
        ),
        actor,
        others,
    )


def mention_text(actor: str, others: int, data: dict) -> str:
    if others <= 0:
        return _fill(gettext("%(actor)s mentioned you in a post"), actor, others)
    return _fill(
        ngettext("%(actor)s and %(count)d other mentioned you", "%(actor)s and %(count)d others mentioned you", others),
        actor,
        others,
    )


def register_kinds() -> None:
    for name, label, text, email_by_default in (
        ("new_follower", _("New followers"), follower_text, False),
        ("post_liked", _("Likes on your posts"), like_text, False),
        ("post_commented", _("Comments on your posts"), comment_text, True),
        ("comment_replied", _("Replies to your comments"), reply_text, True),
        ("mentioned", _("Mentions"), mention_text, True),
    ):
        kinds.register(
            kinds.Kind(
                name=name, label=label, text=text, email_template=kinds.GENERIC_EMAIL, email_by_default=email_by_default
            )
        )


def followed(*, follower: User, owner: User, profile) -> None:
    notify(
        recipient=owner,
        kind="new_follower",
        actor=follower,
        target_url=reverse("social:user_profile", kwargs={"username": follower.username}),
        group_key=f"follow:{profile.pk}",
        data={"profile": profile.pk},
    )


def liked(*, user: User, post) -> None:
    notify(
        recipient=post.author,
        kind="post_liked",
        actor=user,
        target_url=post.get_absolute_url(),
        group_key=f"like:post:{post.pk}",
        data={"post": post.pk},
    )


def commented(*, comment, post, parent=None) -> None:
    url = post.get_absolute_url()
    notify(
        recipient=post.author,
        kind="post_commented",
        actor=comment.author,
        target_url=url,
        group_key=f"comment:post:{post.pk}",
        data={"post": post.pk, "comment": comment.pk},
    )
    if parent is not None and parent.author_id != post.author_id:
        notify(
            recipient=parent.author,
            kind="comment_replied",
            actor=comment.author,
            target_url=url,
            group_key=f"reply:comment:{parent.pk}",
            data={"post": post.pk, "comment": comment.pk},
        )


def mentioned(*, post, users) -> None:
    from social.services.profiles import is_blocked_between

    for user in users:
        if is_blocked_between(user_a_id=user.pk, user_b_id=post.author_id):
            continue
        notify(
            recipient=user,
            kind="mentioned",
            actor=post.author,
            target_url=post.get_absolute_url(),
            group_key=f"mention:post:{post.pk}",
            data={"post": post.pk},
        )
