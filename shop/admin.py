"""Users, and the notifications written for them, in the admin: for superusers only (sellers
manage their store, never accounts)."""

from django.contrib import admin, messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from shop.models import Delivery, Notification, User
from shop.notifications import services as notification_services


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self):
        email = self.cleaned_data.get("email", "")
        if email and User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("A user with this email address already exists."), code="unique")
        return email


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User


class SuperuserOnlyAdminMixin:
    """Hidden from, and closed to, everyone but superusers, whatever permissions they hold."""

    @staticmethod
    def _is_superuser(request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._is_superuser(request)

    def has_view_permission(self, request, obj=None):
        return self._is_superuser(request)

    def has_add_permission(self, request):
        return self._is_superuser(request)

    def has_change_permission(self, request, obj=None):
        return self._is_superuser(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_superuser(request)


@admin.register(User)
class UserAdmin(SuperuserOnlyAdminMixin, DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "bio")}),
        *DjangoUserAdmin.fieldsets[2:],
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_superuser", "date_joined")


class ReadOnlySuperuserAdmin(SuperuserOnlyAdminMixin, admin.ModelAdmin):
    """Seen by superusers only, and changed by nobody: rows written by the services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlySuperuserAdmin):
    list_display = ("created_at", "recipient", "kind", "actor", "in_app", "read_at", "group_key")
    list_filter = ("kind", "in_app", ("read_at", admin.EmptyFieldListFilter))
    list_select_related = ("recipient", "actor")
    search_fields = ("recipient__username", "recipient__email", "kind", "group_key")
    date_hierarchy = "created_at"
    show_full_result_count = False  # no COUNT(*) over millions of rows on every page
    fields = ("recipient", "kind", "actor", "target_url", "group_key", "data", "in_app", "created_at", "read_at")
    readonly_fields = fields


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlySuperuserAdmin):
    list_display = (
        "notification_id",
        "recipient",
        "kind",
        "state",
        "attempts",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    list_filter = ("state", "notification__kind")
    list_select_related = ("notification__recipient",)
    search_fields = ("notification__recipient__username", "notification__recipient__email", "last_error")
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = (
        "notification",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "handed_over_until",
        "sent_at",
    )
    readonly_fields = fields
    actions = ("send_again",)

    @admin.display(description=_("recipient"), ordering="notification__recipient__username")
    def recipient(self, delivery: Delivery):
        return delivery.notification.recipient

    @admin.display(description=_("kind"), ordering="notification__kind")
    def kind(self, delivery: Delivery) -> str:
        return delivery.notification.kind

    def has_resend_permission(self, request) -> bool:
        return self._is_superuser(request)

    @admin.action(description=_("Send the selected failed emails again"), permissions=["resend"])
    def send_again(self, request, queryset):
        count = notification_services.retry_deliveries(delivery_ids=queryset.values_list("pk", flat=True))
        skipped = queryset.count() - count
        if count:
            self.message_user(
                request,
                ngettext("%(count)d email will be sent again.", "%(count)d emails will be sent again.", count)
                % {"count": count},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d email was skipped: only failed emails are sent again.",
                    "%(count)d emails were skipped: only failed emails are sent again.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
