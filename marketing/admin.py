"""Customers in the back office, each seller kept to their own store (``StoreScopedAdminMixin``).

- Contacts: the list with search and filters; a seller changes only the tags and the private
  note (through ``marketing.services``); identities, consent and figures are read-only.
- Tags: the store's own.
- Consent events: the proof, read-only for everyone (append-only).
- Suppression list: a seller sees their store's unsubscribes; the site-wide bounces and
  complaints only the staff (superusers). Read-only.
- Merges: read-only, with an action that undoes them (``services.undo_merge``).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog.admin.scoping import (
    OwnStoreAdminMixin,
    StoreScopedAdminMixin,
    sees_all_stores,
    seller_store,
    with_store_column,
)
from marketing import services
from marketing.models import ConsentEvent, Contact, ContactMerge, Identity, Suppression, Tag


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IdentityInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Identity
    fields = ["kind", "value", "verified", "created_at"]
    readonly_fields = fields
    extra = 0


class ConsentEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ConsentEvent
    fields = ["created_at", "kind", "email", "source", "text", "ip_address", "user_agent"]
    readonly_fields = fields
    extra = 0


@admin.register(Contact)
class ContactAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "source", "rfm_group", "order_count", "total_spent", "created_at")
    list_filter = ("rfm_group", "source", "consent__state")
    search_fields = ("name", "identities__value")
    fields = (
        "name",
        "source",
        "created_at",
        "tags",
        "note",
        "order_count",
        "total_spent",
        "last_order_at",
        "recency_score",
        "frequency_score",
        "monetary_score",
        "rfm_group",
        "scored_at",
    )
    readonly_fields = (
        "name",
        "source",
        "created_at",
        "order_count",
        "total_spent",
        "last_order_at",
        "recency_score",
        "frequency_score",
        "monetary_score",
        "rfm_group",
        "scored_at",
    )
    inlines = [IdentityInline, ConsentEventInline]
    filter_horizontal = ("tags",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(merged_into__isnull=True)

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="__str__")

    def has_add_permission(self, request):
        return False  # contacts come from their sources and the import

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "tags":
            store = seller_store(request)
            obj_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            contact = Contact.objects.filter(pk=obj_id).first() if obj_id and str(obj_id).isdigit() else None
            store_id = contact.store_id if contact is not None else (store.pk if store else None)
            kwargs["queryset"] = Tag.objects.filter(store_id=store_id)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.set_details(contact=obj, note=form.cleaned_data["note"])

    def save_related(self, request, form, formsets, change):
        services.set_details(contact=form.instance, tags=[tag.name for tag in form.cleaned_data["tags"]])

    def has_delete_permission(self, request, obj=None):
        return False  # erasure is a service with its own page and record (marketing:erase)


@admin.register(Tag)
class TagAdmin(OwnStoreAdminMixin, admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    fields = ("store", "name")

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="name")

    def get_fields(self, request, obj=None):
        return self.fields if sees_all_stores(request) else ("name",)


@admin.register(ConsentEvent)
class ConsentEventAdmin(StoreScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "email", "kind", "source", "ip_address")
    list_filter = ("kind", "source")
    search_fields = ("email",)
    fields = ("contact", "created_at", "kind", "email", "source", "text", "language", "ip_address", "user_agent")
    readonly_fields = fields


@admin.register(Suppression)
class SuppressionAdmin(StoreScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "reason", "created_at")
    list_filter = ("reason",)
    fields = ("store", "email", "reason", "created_at")
    readonly_fields = fields


@admin.register(ContactMerge)
class ContactMergeAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "kept", "merged", "reason", "undone_at")
    fields = ("kept", "merged", "reason", "created_at", "undone_at")
    readonly_fields = fields
    actions = ["undo"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        # The undo action is the one change a seller makes here: it needs only the view permission.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Undo the selected merges"), permissions=["view"])
    def undo(self, request, queryset):
        undone = 0
        for merge in queryset.filter(undone_at__isnull=True).order_by("-created_at", "-pk"):
            try:
                services.undo_merge(merge=merge, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.WARNING)
            else:
                undone += 1
        if undone:
            self.message_user(
                request, ngettext("%(count)d merge undone.", "%(count)d merges undone.", undone) % {"count": undone}
            )


# Campaigns and segments, and flows: their own modules.
from marketing import campaign_admin, flow_admin  # noqa: E402, F401
