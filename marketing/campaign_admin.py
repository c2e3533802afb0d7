"""Campaigns and segments in the back office, each seller kept to their own store: read-only
(campaigns are written through the API, where their blocks and rules are checked), with the
report on the campaign's page and actions that pause, resume or cancel (``engine``)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog.admin.scoping import StoreScopedAdminMixin, with_store_column
from marketing.admin import ReadOnlyAdminMixin
from marketing.campaign_models import Campaign, Segment
from marketing.campaigns import engine, tracking
from marketing.campaigns.segments import segment_count
from shop.money import format_money


def _run(modeladmin, request, queryset, action, done_message):
    done = 0
    for campaign in queryset:
        try:
            action(campaign)
            done += 1
        except engine.CampaignStateError:
            pass
    modeladmin.message_user(request, done_message(done), messages.SUCCESS if done else messages.WARNING)


@admin.action(description=_("Pause the selected campaigns"), permissions=["view"])
def pause(modeladmin, request, queryset):
    _run(
        modeladmin,
        request,
        queryset,
        engine.pause_campaign,
        lambda n: ngettext("%(n)d campaign paused.", "%(n)d campaigns paused.", n) % {"n": n},
    )


@admin.action(description=_("Resume the selected campaigns"), permissions=["view"])
def resume(modeladmin, request, queryset):
    _run(
        modeladmin,
        request,
        queryset,
        engine.resume_campaign,
        lambda n: ngettext("%(n)d campaign resumed.", "%(n)d campaigns resumed.", n) % {"n": n},
    )


@admin.action(description=_("Cancel the selected campaigns"), permissions=["view"])
def cancel(modeladmin, request, queryset):
    _run(
        modeladmin,
        request,
        queryset,
        engine.cancel_campaign,
        lambda n: ngettext("%(n)d campaign cancelled.", "%(n)d campaigns cancelled.", n) % {"n": n},
    )


@admin.register(Campaign)
class CampaignAdmin(StoreScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "subject", "state", "scheduled_at", "started_at", "finished_at")
    list_filter = ("state",)
    search_fields = ("name", "subject")
    fields = (
        "name",
        "subject",
        "subject_b",
        "ab_winner",
        "preheader",
        "segment",
        "state",
        "paused_reason",
        "scheduled_at",
        "started_at",
        "finished_at",
        "report",
    )
    readonly_fields = fields
    actions = [pause, resume, cancel]

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="name")

    @admin.display(description=_("report"))
    def report(self, obj):
        figures = tracking.campaign_report(obj)
        return ", ".join(
            f"{label}: {value}"
            for label, value in (
                (_("sent"), figures.sent),
                (_("delivered"), figures.delivered),
                (_("bounced"), figures.bounced),
                (_("clicked"), figures.clicked),
                (_("unsubscribed"), figures.unsubscribed),
                (_("orders"), figures.orders),
                (_("revenue"), format_money(figures.revenue)),
            )
        )


@admin.register(Segment)
class SegmentAdmin(StoreScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "contacts", "created_at")
    fields = ("name", "rules", "contacts")
    readonly_fields = fields

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="name")

    @admin.display(description=_("mailable contacts"))
    def contacts(self, obj):
        return segment_count(store=obj.store, rules=obj.rules)
