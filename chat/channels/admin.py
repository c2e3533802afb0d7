"""The messaging channels in the back office.

- A seller connects their store's WhatsApp number and Telegram bot. The access token and
  the bot token are write-only: the form never shows them again (an empty field on change
  keeps the saved one), no list or page displays them. "Register the webhook" points the
  bot at Etalase with a new secret token (``services.register_telegram_webhook``).
- WhatsApp templates: as approved by Meta, per store.
- Webhook events: the staff's read-only view of what the providers posted.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.admin.scoping import (
    OneRowPerStoreAdminMixin,
    OwnStoreAdminMixin,
    sees_all_stores,
    with_store_column,
)
from chat.channels import services
from chat.channels.models import ChannelTemplate, TelegramConnection, WebhookEvent, WhatsAppConnection
from chat.channels.rules import placeholders


class SecretField(forms.CharField):
    """A secret typed once: never rendered back into the page."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}), **kwargs)


class ConnectionForm(forms.ModelForm):
    secret_field = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields[self.secret_field]
        self.initial[self.secret_field] = ""  # never sent back to the page, whatever the widget
        if self.instance.pk:
            field.required = False
            field.help_text = _("Saved and hidden. Type a new one only to replace it.")

    def clean(self):
        data = super().clean()
        if self.instance.pk and not data.get(self.secret_field):
            data[self.secret_field] = getattr(type(self.instance).objects.get(pk=self.instance.pk), self.secret_field)
        return data


class WhatsAppConnectionForm(ConnectionForm):
    secret_field = "access_token"
    access_token = SecretField(label=_("access token"), max_length=1000)

    class Meta:
        model = WhatsAppConnection
        fields = ("store", "phone_number_id", "display_number", "access_token", "is_active")


class TelegramConnectionForm(ConnectionForm):
    secret_field = "bot_token"
    bot_token = SecretField(label=_("bot token"), max_length=200)

    class Meta:
        model = TelegramConnection
        fields = ("store", "bot_token", "is_active")


class OwnStoreConnectionAdmin(OneRowPerStoreAdminMixin, OwnStoreAdminMixin, admin.ModelAdmin):
    """One connection per store; a seller's is always their own store's."""

    editable = ()

    def get_fields(self, request, obj=None):
        fields = self.editable
        if sees_all_stores(request) and obj is None:
            fields = ("store", *fields)
        return (*fields, *self.get_readonly_fields(request, obj))

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = [name for name in self.get_fields(request, obj) if name not in self.readonly_fields]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after=self.list_display[0])


@admin.register(WhatsAppConnection)
class WhatsAppConnectionAdmin(OwnStoreConnectionAdmin):
    form = WhatsAppConnectionForm
    editable = ("phone_number_id", "display_number", "access_token", "is_active")
    readonly_fields = ("updated_at",)
    list_display = ("display_number", "phone_number_id", "is_active", "updated_at")


@admin.register(TelegramConnection)
class TelegramConnectionAdmin(OwnStoreConnectionAdmin):
    form = TelegramConnectionForm
    editable = ("bot_token", "is_active")
    readonly_fields = ("bot_username", "webhook_registered_at", "updated_at")
    list_display = ("__str__", "bot_username", "webhook_registered_at", "is_active")
    actions = ["register_webhook"]

    @admin.action(description=_("Register the webhook with Telegram"))
    def register_webhook(self, request, queryset):
        for connection in queryset:
            try:
                services.register_telegram_webhook(connection=connection)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Telegram now sends %(bot)s's messages to Etalase.") % {"bot": connection},
                    messages.SUCCESS,
                )

    def response_post_save_add(self, request, obj):
        self.message_user(
            request, _("Now choose the bot in the list and run “Register the webhook with Telegram”."), messages.INFO
        )
        return super().response_post_save_add(request, obj)


class ChannelTemplateForm(forms.ModelForm):
    class Meta:
        model = ChannelTemplate
        fields = ("store", "name", "language", "body", "purpose", "is_active")

    def clean_body(self):
        body = self.cleaned_data["body"]
        count = placeholders(body)
        missing = [n for n in range(1, count + 1) if f"{{{{{n}}}}}" not in body.replace(" ", "")]
        if missing:
            raise ValidationError(_("Number the values {{1}}, {{2}}... without gaps, as in the approved template."))
        return body


@admin.register(ChannelTemplate)
class ChannelTemplateAdmin(OwnStoreAdminMixin, admin.ModelAdmin):
    form = ChannelTemplateForm
    list_display = ("name", "language", "purpose", "is_active")
    search_fields = ("name",)

    def get_fields(self, request, obj=None):
        fields = ("name", "language", "body", "purpose", "is_active")
        return ("store", *fields) if sees_all_stores(request) and obj is None else fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = list(self.get_fields(request, obj))
        return super().get_form(request, obj, change=change, **kwargs)

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="name")


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    """Staff only, read-only: what the providers posted and what became of it."""

    list_display = ("received_at", "provider", "kind", "event_id", "store", "processed_at", "error")
    list_filter = ("provider", "kind")
    search_fields = ("event_id",)
    list_select_related = ("store",)
    readonly_fields = ("provider", "event_id", "kind", "store", "payload", "received_at", "processed_at", "error")

    def has_module_permission(self, request):
        return sees_all_stores(request)

    def has_view_permission(self, request, obj=None):
        return sees_all_stores(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
