"""Profiles, follows, blocks and hashtags: for superusers, to look at.

They change only through ``social.services`` (on the site and in the API), which keep the
follower, following and post counters exact; an edit here would bypass them.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from shop.admin import ReadOnlySuperuserAdmin
from social.admin.posts import site_link
from social.models import Block, Follow, Hashtag, Profile


class ProfileKindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return (("user", _("People")), ("store", _("Stores")))

    def queryset(self, request, queryset):
        if self.value() == "user":
            return queryset.filter(user__isnull=False)
        if self.value() == "store":
            return queryset.filter(store__isnull=False)
        return queryset


@admin.register(Profile)
class ProfileAdmin(ReadOnlySuperuserAdmin):
    list_display = ("__str__", "kind", "follower_count", "following_count", "post_count", "on_site")
    list_filter = (ProfileKindFilter,)
    list_select_related = ("user", "store")
    search_fields = ("user__username", "user__first_name", "user__last_name", "store__name", "store__slug")
    ordering = ("-follower_count", "id")
    fields = ("user", "store", "follower_count", "following_count", "post_count", "feed_built_at", "on_site")
    readonly_fields = fields

    @admin.display(description=_("kind"))
    def kind(self, obj):
        return _("store") if obj.store_id else _("person")

    @admin.display(description=_("on the site"))
    def on_site(self, obj):
        return site_link(obj)


@admin.register(Follow)
class FollowAdmin(ReadOnlySuperuserAdmin):
    list_display = ("follower", "followee", "created_at")
    list_select_related = ("follower", "followee__user", "followee__store")
    search_fields = ("follower__username", "followee__user__username", "followee__store__name")
    list_filter = (("created_at", admin.DateFieldListFilter),)
    ordering = ("-created_at", "-id")
    fields = ("follower", "followee", "created_at")
    readonly_fields = fields


@admin.register(Block)
class BlockAdmin(ReadOnlySuperuserAdmin):
    list_display = ("blocker", "blocked", "created_at")
    list_select_related = ("blocker", "blocked")
    search_fields = ("blocker__username", "blocked__username")
    ordering = ("-created_at", "-id")
    fields = ("blocker", "blocked", "created_at")
    readonly_fields = fields


@admin.register(Hashtag)
class HashtagAdmin(ReadOnlySuperuserAdmin):
    list_display = ("__str__", "post_total", "on_site")
    search_fields = ("name",)
    ordering = ("name",)
    fields = ("name", "post_total", "on_site")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(post_total=Count("posts"))

    @admin.display(description=_("posts"), ordering="post_total")
    def post_total(self, obj):
        return obj.post_total

    @admin.display(description=_("on the site"))
    def on_site(self, obj):
        return site_link(obj)
