"""Who may change what: only a post's author changes the post and its tags.

Comment deletion and moderation are decided by the services (the comment's author, the
post's author, the owner of the store it was posted as), which raise ``PermissionDenied``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from social.models import Post, PostImage, ProductTag


def author_id_of(obj) -> int | None:
    if isinstance(obj, Post):
        return obj.author_id
    if isinstance(obj, PostImage | ProductTag):
        return obj.post.author_id
    return None


class IsAuthorOrReadOnly(permissions.BasePermission):
    """Anyone may read a post they can see; only its author may change it."""

    message = _("Only the author can change this post.")

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.is_authenticated and author_id_of(obj) == request.user.pk
