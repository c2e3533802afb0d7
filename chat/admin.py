"""Chat in the back office.

- Conversations: a seller sees their own store's (``StoreScopedAdminMixin``), reads the
  latest messages (read-only: answers go through the chat), sets labels and the private
  note through ``chat.services``. Staff (superusers) see every conversation, read-only.
- Reports: the staff's queue, open first; resolving or dismissing goes through the service.
- Quick replies and chat settings: per store, scoped like the catalog.
- Offers: a seller sees their own store's, with their lines, read-only (the terms were set
  when sent and every amount is priced on the server); the seller may withdraw open ones
  (through the service). Staff see every store's, read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog.admin.scoping import (
    OneRowPerStoreAdminMixin,
    OwnStoreAdminMixin,
    StoreScopedAdminMixin,
    sees_all_stores,
    seller_store,
    with_store_column,
)
from chat import services
from chat.assistant import admin as assistant_admin  # noqa: F401 (registers the assistant's admin)
from chat.models import (
    QUICK_REPLY_SHORTCUT_MAX,
    ChatSettings,
    Conversation,
    Label,
    Message,
    Offer,
    OfferLine,
    QuickReply,
    Report,
)
from chat.services.quick_replies import clean_quick_reply
from checkout.exceptions import TermsUnavailable
from shop.money import format_money

THREAD_SHOWN = 50


def thread_html(conversation_id: int):
    """The conversation's latest messages, oldest first, escaped (bodies are plain text)."""
    rows = list(
        Message.objects.filter(conversation_id=conversation_id)
        .order_by("-id")
        .values_list("created_at", "sender_side", "kind", "body", "data")[:THREAD_SHOWN]
    )
    if not rows:
        return _("No messages yet.")
    lines = []
    for created_at, side, kind, body, data in reversed(rows):
        text = body or data.get("title") or data.get("number") or data.get("code") or ""
        lines.append((created_at.strftime("%Y-%m-%d %H:%M"), side, kind, text))
    return format_html(
        '<ol class="chat-thread" style="margin:0;padding-left:1.2em">{}</ol>',
        format_html_join("", "<li><small>{} · {} · {}</small><br>{}</li>", lines),
    )


class LabelFilter(admin.SimpleListFilter):
    """The seller's own labels (a plain related filter would list every store's)."""

    title = _("label")
    parameter_name = "label"

    def lookups(self, request, model_admin):
        labels = Label.objects.all() if sees_all_stores(request) else Label.objects.filter(store=seller_store(request))
        return [(str(label.pk), label.name) for label in labels[:100]]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(labels__id=int(value))
        return queryset


@admin.register(Conversation)
class ConversationAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    list_display = ("shopper", "last_message_preview", "store_unread", "last_message_at")
    list_select_related = ("shopper", "store", "last_message")
    list_filter = (LabelFilter,)
    search_fields = ("shopper__username", "shopper__first_name", "shopper__last_name")
    ordering = ("-last_message_at", "-id")
    readonly_fields = ("shopper", "store", "created_at", "last_message_at", "store_unread", "shopper_unread", "thread")

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="shopper")

    def get_fields(self, request, obj=None):
        return ("shopper", "store", "created_at", "last_message_at", "store_unread", "thread", "labels", "store_note")

    def get_readonly_fields(self, request, obj=None):
        if sees_all_stores(request):  # staff read; labels and notes are the seller's
            return (*self.readonly_fields, "labels", "store_note")
        return self.readonly_fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "labels":
            kwargs["queryset"] = Label.objects.filter(store=seller_store(request))
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return False  # shoppers start conversations

    def has_delete_permission(self, request, obj=None):
        return False  # a conversation is the record of what both sides said

    @admin.display(description=_("last message"))
    def last_message_preview(self, obj):
        message = obj.last_message
        if message is None:
            return self.get_empty_value_display()
        return (message.body or message.get_kind_display())[:80]

    @admin.display(description=_("messages"))
    def thread(self, obj):
        return thread_html(obj.pk)

    def save_model(self, request, obj, form, change):
        # Through the services (they check the store's side); the row's other fields are read-only.
        services.set_note(conversation=obj, actor=request.user, note=form.cleaned_data.get("store_note", ""))

    def save_related(self, request, form, formsets, change):
        labels = form.cleaned_data.get("labels")
        if labels is not None:
            services.set_labels(
                conversation=form.instance, actor=request.user, label_ids=[label.pk for label in labels]
            )


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Staff only: the sellers group has no permission on reports."""

    list_display = ("conversation", "reporter", "reporter_side", "reason", "status", "created_at")
    list_filter = ("status", "reason")
    list_select_related = ("conversation__store", "conversation__shopper", "reporter")
    ordering = ("-status", "created_at")  # "open" sorts after "dismissed" and "resolved"
    fields = (
        "conversation",
        "reporter",
        "reporter_side",
        "reason",
        "note",
        "status",
        "handled_by",
        "handled_at",
        "thread",
    )
    readonly_fields = fields
    actions = ("resolve", "dismiss")

    def get_queryset(self, request):
        return super().get_queryset(request).order_by(*self.ordering)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("messages"))
    def thread(self, obj):
        return thread_html(obj.conversation_id)

    def _close(self, request, queryset, status):
        count = 0
        for report in queryset.filter(status=Report.Status.OPEN):
            services.handle_report(report=report, staff=request.user, status=status)
            count += 1
        self.message_user(
            request, ngettext("%(n)d report closed.", "%(n)d reports closed.", count) % {"n": count}, messages.SUCCESS
        )

    @admin.action(description=_("Resolve the selected reports"), permissions=("view",))
    def resolve(self, request, queryset):
        self._close(request, queryset, Report.Status.RESOLVED)

    @admin.action(description=_("Dismiss the selected reports"), permissions=("view",))
    def dismiss(self, request, queryset):
        self._close(request, queryset, Report.Status.DISMISSED)


class QuickReplyForm(forms.ModelForm):
    """Checked with the service's own rules (``clean_quick_reply``) for the seller's store."""

    # Plain text: "/Ongkir" is accepted and saved as "ongkir" (the model's slug rule, after).
    shortcut = forms.CharField(label=_("shortcut"), max_length=QUICK_REPLY_SHORTCUT_MAX + 1)

    class Meta:
        model = QuickReply
        fields = ("shortcut", "text")

    def clean(self):
        data = super().clean()
        # The seller's store; a superuser picks one (the "store" field) when adding.
        store = self.store or (self.instance.store if self.instance.store_id else data.get("store"))
        if store is not None and "shortcut" in data and "text" in data:
            try:
                data["shortcut"], data["text"] = clean_quick_reply(
                    store=store, shortcut=data["shortcut"], text=data["text"], quick_reply=self.instance
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


@admin.register(QuickReply)
class QuickReplyAdmin(OwnStoreAdminMixin, admin.ModelAdmin):
    form = QuickReplyForm
    list_display = ("shortcut", "text")
    search_fields = ("shortcut", "text")

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="shortcut")

    def get_fields(self, request, obj=None):
        if sees_all_stores(request) and obj is None:
            return ("store", "shortcut", "text")
        return ("shortcut", "text")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.store = None if sees_all_stores(request) else seller_store(request)
        return form

    def save_model(self, request, obj, form, change):
        shortcut, text = form.cleaned_data["shortcut"], form.cleaned_data["text"]
        if change:
            services.update_quick_reply(quick_reply=obj, actor=request.user, shortcut=shortcut, text=text)
        else:
            # The seller's own store (OwnStoreAdminMixin), or the one a superuser picked.
            created = services.create_quick_reply(store=obj.store, actor=request.user, shortcut=shortcut, text=text)
            obj.pk = created.pk


@admin.register(ChatSettings)
class ChatSettingsAdmin(OneRowPerStoreAdminMixin, OwnStoreAdminMixin, admin.ModelAdmin):
    list_display = ("store", "read_receipts")

    def get_fields(self, request, obj=None):
        return ("store", "read_receipts") if sees_all_stores(request) and obj is None else ("read_receipts",)


class OfferLineInline(admin.TabularInline):
    model = OfferLine
    fields = ("title", "quantity", "special_price", "price_now")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("variant")

    def has_view_permission(self, request, obj=None):
        # The lines are part of the offer: whoever may see the offer (scoped) sees them.
        return request.user.has_perm("chat.view_offer")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("special price"))
    def special_price(self, obj):
        return format_money(obj.unit_price) if obj.unit_price is not None else self.get_empty_value_display()

    @admin.display(description=_("price now"))
    def price_now(self, obj):
        return format_money(obj.variant.price) if obj.variant is not None else _("No longer sold")


@admin.register(Offer)
class OfferAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    """Read-only: an offer's terms are what the shopper was sent, and what they pay is priced
    by checkout from them. Withdrawing goes through ``chat.services.withdraw_offer``."""

    inlines = (OfferLineInline,)
    list_display = ("__str__", "shopper", "status_now", "discount_display", "shipping_display", "valid_until", "order")
    list_select_related = ("shopper", "store", "order")
    list_filter = ("status",)
    search_fields = ("shopper__username", "shopper__first_name", "shopper__last_name", "order__number")
    ordering = ("-created_at", "-id")
    fields = (
        "shopper",
        "status_now",
        "discount_display",
        "shipping_display",
        "valid_until",
        "note",
        "order",
        "created_at",
        "accepted_at",
    )
    readonly_fields = fields
    actions = ("withdraw",)

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="__str__")

    def get_fields(self, request, obj=None):
        return ("store", *self.fields) if sees_all_stores(request) else self.fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if sees_all_stores(request):
            actions.pop("withdraw", None)  # an offer is its store's to take back
        return actions

    def has_add_permission(self, request):
        return False  # offers are sent in the chat, to one shopper

    def has_change_permission(self, request, obj=None):
        return False  # nothing to change: the terms are what the shopper was sent

    def has_delete_permission(self, request, obj=None):
        return False  # an offer is part of the conversation's record (and maybe of an order)

    @admin.display(description=_("status"), ordering="status")
    def status_now(self, obj):
        return obj.get_current_status_display()

    @admin.display(description=_("discount"), ordering="discount")
    def discount_display(self, obj):
        return format_money(obj.discount)

    @admin.display(description=_("shipping"), ordering="shipping")
    def shipping_display(self, obj):
        return format_money(obj.shipping) if obj.shipping is not None else _("the store's normal rate")

    @admin.action(description=_("Withdraw the selected offers"), permissions=("view",))
    def withdraw(self, request, queryset):
        count = 0
        for offer in queryset.filter(status=Offer.Status.OPEN):
            try:
                services.withdraw_offer(offer=offer, by=request.user)
            except (TermsUnavailable, PermissionDenied):
                continue  # expired meanwhile, or not this seller's
            count += 1
        self.message_user(
            request,
            ngettext("%(n)d offer withdrawn.", "%(n)d offers withdrawn.", count) % {"n": count},
            messages.SUCCESS,
        )


# The messaging channels' back office (connections, templates, raw events).
from chat.channels import admin as channels_admin  # noqa: E402, F401
