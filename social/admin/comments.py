"""Comment moderation: the comments on the seller's posts, hidden and shown again through the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog.admin.scoping import StoreScopedAdminMixin, sees_all_stores, with_store_column
from social import services
from social.admin.posts import excerpt, site_link
from social.models import Comment


class CommentKindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return (("comment", _("Comments")), ("reply", _("Replies")))

    def queryset(self, request, queryset):
        if self.value() == "comment":
            return queryset.filter(parent__isnull=True)
        if self.value() == "reply":
            return queryset.filter(parent__isnull=False)
        return queryset


@admin.register(Comment)
class CommentAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    """Comments on the posts of the seller's store. Read only, but for hiding and showing again.

    Hiding goes through ``services.hide_comment``, which takes the comment (and its
    replies) out of the post's comment count; a comment is never edited or deleted here.
    """

    store_path = "post__profile__store"
    list_display = ("body_excerpt", "author", "kind", "on_post", "is_hidden", "created_at")
    list_display_links = ("body_excerpt",)
    list_filter = ("is_hidden", CommentKindFilter, ("created_at", admin.DateFieldListFilter))
    list_select_related = ("author", "post__profile__store", "post__profile__user")
    search_fields = ("body", "author__username", "author__first_name", "author__last_name", "post__caption")
    ordering = ("-created_at", "-id")
    fields = ("author", "body", "kind", "reply_to", "on_post", "is_hidden", "created_at", "on_site")
    readonly_fields = fields
    actions = ("hide_comments", "unhide_comments")

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="on_post")

    def get_search_fields(self, request):
        if sees_all_stores(request):
            return (*self.search_fields, "post__profile__store__name")
        return self.search_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The change list's actions need it; a comment's own page is read only.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # hide instead: the post's author deletes on the site

    @admin.display(description=_("comment"))
    def body_excerpt(self, obj):
        return excerpt(obj.body, 80)

    @admin.display(description=_("kind"), ordering="parent")
    def kind(self, obj):
        return _("reply") if obj.parent_id else _("comment")

    @admin.display(description=_("in reply to"))
    def reply_to(self, obj):
        if obj.parent_id is None:
            return self.get_empty_value_display()
        return format_html("{}: {}", obj.parent.author.username, excerpt(obj.parent.body, 80))

    @admin.display(description=_("post"), ordering="post__created_at")
    def on_post(self, obj):
        url = reverse("admin:social_post_change", args=[obj.post_id])
        label = excerpt(obj.post.caption, 40) or _("Post %(id)d") % {"id": obj.post_id}
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=_("store"), ordering="post__profile__store__name")
    def store(self, obj):
        return obj.post.profile.store or self.get_empty_value_display()

    @admin.display(description=_("on the site"))
    def on_site(self, obj):
        return site_link(obj.post)

    @admin.action(description=_("Hide selected comments"), permissions=["change"])
    def hide_comments(self, request, queryset):
        # Not ``select_related("parent")``: whether a reply still counts depends on its
        # parent as it is now, after the comments before it in this loop.
        hidden = sum(
            services.hide_comment(comment=comment, actor=request.user)
            for comment in queryset.select_related("post__profile")
        )
        message = ngettext("%(count)d comment was hidden.", "%(count)d comments were hidden.", hidden)
        self.message_user(request, message % {"count": hidden}, messages.SUCCESS)

    @admin.action(description=_("Show selected comments again"), permissions=["change"])
    def unhide_comments(self, request, queryset):
        shown = sum(
            services.unhide_comment(comment=comment, actor=request.user)
            for comment in queryset.select_related("post__profile")
        )
        message = ngettext("%(count)d comment is shown again.", "%(count)d comments are shown again.", shown)
        self.message_user(request, message % {"count": shown}, messages.SUCCESS)
