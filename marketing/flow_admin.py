"""Flows in the back office, each seller kept to their own store (``StoreScopedAdminMixin``):

- Flows: switched on or off and their settings changed (through ``marketing.flows.services``),
  with their report; made by the store's first visit to its flows, never added or deleted here.
- Emails of flows: their wait, subject and preheader changed (through the same service, which
  checks them); their blocks are shown, and written on the seller's pages or through the API.
- Enrolments and the emails sent: read-only (what the engine did).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.admin.scoping import StoreScopedAdminMixin, with_store_column
from marketing.admin import ReadOnlyAdminMixin
from marketing.flow_models import Enrolment, Flow, FlowSend, FlowStep
from marketing.flows import figures, services
from shop.money import format_money


def _in_range(value: int, low: int, high: int) -> int:
    if value is None or not low <= value <= high:
        raise forms.ValidationError(_("Between %(low)s and %(high)s.") % {"low": low, "high": high})
    return value


class FlowForm(forms.ModelForm):
    class Meta:
        model = Flow
        fields = ("enabled", "inactive_days", "cooldown_days")

    def clean_inactive_days(self):
        return _in_range(self.cleaned_data.get("inactive_days"), 1, services.MAX_DAYS)

    def clean_cooldown_days(self):
        return _in_range(self.cleaned_data.get("cooldown_days"), 1, services.MAX_DAYS)


class FlowStepForm(forms.ModelForm):
    class Meta:
        model = FlowStep
        fields = ("delay_hours", "subject", "preheader")

    def clean_delay_hours(self):
        return _in_range(self.cleaned_data.get("delay_hours"), 0, services.MAX_DELAY_HOURS)


class NoAddOrDeleteMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FlowStepInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FlowStep
    fields = ("position", "delay_hours", "subject", "preheader")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    ordering = ("position",)


@admin.register(Flow)
class FlowAdmin(StoreScopedAdminMixin, NoAddOrDeleteMixin, admin.ModelAdmin):
    form = FlowForm
    list_display = ("__str__", "enabled", "inactive_days", "cooldown_days", "updated_at")
    list_filter = ("enabled", "kind")
    fields = ("kind", "enabled", "inactive_days", "cooldown_days", "report", "updated_at")
    readonly_fields = ("kind", "report", "updated_at")
    inlines = [FlowStepInline]

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="__str__")

    @admin.display(description=_("report"))
    def report(self, obj):
        numbers = figures.flow_figures(store=obj.store, flow=obj).get(obj.pk, figures.FlowFigures())
        return ", ".join(
            f"{label}: {value}"
            for label, value in (
                (_("entered"), numbers.enrolled),
                (_("in it now"), numbers.active),
                (_("finished"), numbers.completed),
                (_("left early"), numbers.exited),
                (_("sent"), numbers.sent),
                (_("clicked"), numbers.clicked),
                (_("orders"), numbers.orders),
                (_("revenue"), format_money(numbers.revenue)),
            )
        )

    def save_model(self, request, obj, form, change):
        # Through the service: switching off makes the flow's running enrolments leave it.
        stored = Flow.objects.get(pk=obj.pk)
        services.update_flow(
            flow=stored,
            enabled=form.cleaned_data["enabled"],
            inactive_days=form.cleaned_data["inactive_days"],
            cooldown_days=form.cleaned_data["cooldown_days"],
        )


@admin.register(FlowStep)
class FlowStepAdmin(StoreScopedAdminMixin, NoAddOrDeleteMixin, admin.ModelAdmin):
    form = FlowStepForm
    store_path = "flow__store"
    list_display = ("flow", "position", "delay_hours", "subject")
    list_filter = ("flow__kind",)
    list_select_related = ("flow",)
    search_fields = ("subject",)
    fields = ("flow", "position", "delay_hours", "subject", "preheader", "blocks")
    readonly_fields = ("flow", "position", "blocks")
    ordering = ("flow", "position")

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="flow", column="flow__store")

    def save_model(self, request, obj, form, change):
        stored = FlowStep.objects.select_related("flow__store").get(pk=obj.pk)
        try:
            services.save_step(
                flow=stored.flow,
                step=stored,
                delay_hours=form.cleaned_data["delay_hours"],
                subject=form.cleaned_data["subject"],
                preheader=form.cleaned_data["preheader"],
                blocks=stored.blocks,
            )
        except ValidationError as exc:  # the form's own checks make this rare
            self.message_user(request, " ".join(exc.messages), level="error")


@admin.register(Enrolment)
class EnrolmentAdmin(StoreScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("contact", "flow", "state", "position", "due_at", "exit_reason", "enrolled_at")
    list_filter = ("state", "flow__kind", "exit_reason")
    list_select_related = ("contact", "flow")
    fields = (
        "flow",
        "contact",
        "trigger_key",
        "state",
        "position",
        "due_at",
        "enrolled_at",
        "finished_at",
        "exit_reason",
        "order",
        "product",
        "variant",
        "cart",
    )
    readonly_fields = fields

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="contact")


@admin.register(FlowSend)
class FlowSendAdmin(StoreScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    store_path = "flow__store"
    list_display = ("contact", "step", "state", "sent_at", "clicked_at")
    list_filter = ("state", "flow__kind")
    list_select_related = ("contact", "step__flow")
    fields = ("flow", "step", "contact", "enrolment", "state", "started_at", "sent_at", "message_id", "clicked_at")
    readonly_fields = fields

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="contact", column="flow__store")
