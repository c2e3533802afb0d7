"""The assistant in the back office, each model scoped to the seller's own store: its settings
(one row), weekly opening hours, holidays and FAQ answers. FAQ writes go through the services
(they forget the store's cached FAQ index)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalog.admin.scoping import (
    OneRowPerStoreAdminMixin,
    OwnStoreAdminMixin,
    sees_all_stores,
    seller_store,
    with_store_column,
)
from chat.assistant import services
from chat.assistant.models import (
    FINDER_QUESTIONS_MAX,
    AssistantSettings,
    FaqEntry,
    FinderChoice,
    FinderQuestion,
    Holiday,
    OpeningHours,
)


class _OneStoreAdmin(OwnStoreAdminMixin, admin.ModelAdmin):
    """A seller's rows get their store from the request; a superuser picks it."""

    own_fields: tuple[str, ...] = ()

    def get_fields(self, request, obj=None):
        if sees_all_stores(request) and obj is None:
            return ("store", *self.own_fields)
        return self.own_fields

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after=self.list_display[0])


@admin.register(AssistantSettings)
class AssistantSettingsAdmin(OneRowPerStoreAdminMixin, _OneStoreAdmin):
    list_display = ("store", "enabled", "on_holiday", "time_zone", "pause_minutes")
    own_fields = (
        "enabled",
        "on_holiday",
        "time_zone",
        "greeting",
        "away_message",
        "auto_reply",
        "auto_reply_minutes",
        "pause_minutes",
    )

    def get_list_display(self, request):
        return self.list_display


@admin.register(OpeningHours)
class OpeningHoursAdmin(_OneStoreAdmin):
    list_display = ("weekday", "opens", "closes")
    own_fields = ("weekday", "opens", "closes")
    ordering = ("weekday", "opens")


@admin.register(Holiday)
class HolidayAdmin(_OneStoreAdmin):
    list_display = ("date", "name")
    own_fields = ("date", "name")


class FaqEntryForm(forms.ModelForm):
    class Meta:
        model = FaqEntry
        fields = ("question", "keywords", "answer")
        widgets = {"answer": forms.Textarea(attrs={"rows": 3})}


@admin.register(FaqEntry)
class FaqEntryAdmin(_OneStoreAdmin):
    form = FaqEntryForm
    list_display = ("question", "keywords")
    search_fields = ("question", "keywords", "answer")
    own_fields = ("question", "keywords", "answer")

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ("question", "keywords", "answer")}
        if change:
            services.update_faq(entry=obj, actor=request.user, **data)
            return
        store = obj.store  # the seller's own (OwnStoreAdminMixin), or the one a superuser picked
        created = services.create_faq(
            store=store, actor=store.owner if sees_all_stores(request) else request.user, **data
        )
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.delete_faq(entry=obj, actor=obj.store.owner if sees_all_stores(request) else request.user)

    def delete_queryset(self, request, queryset):
        for entry in queryset.select_related("store"):
            self.delete_model(request, entry)


class FinderChoiceInline(admin.TabularInline):
    model = FinderChoice
    fields = ("position", "label", "category", "option_value", "min_price", "max_price")
    extra = 3
    max_num = 12


class FinderQuestionForm(forms.ModelForm):
    class Meta:
        model = FinderQuestion
        fields = ("position", "text", "kind", "option_name")

    def clean(self):
        data = super().clean()
        if data.get("kind") == FinderQuestion.Kind.OPTION and not data.get("option_name"):
            self.add_error("option_name", _("Name the option this question asks about (Size)."))
        store = self.store or (self.instance.store if self.instance.store_id else data.get("store"))
        full = store is not None and FinderQuestion.objects.filter(store=store).count() >= FINDER_QUESTIONS_MAX
        if full and not self.instance.pk:
            raise forms.ValidationError(_("The finder asks at most %(n)d questions.") % {"n": FINDER_QUESTIONS_MAX})
        return data


@admin.register(FinderQuestion)
class FinderQuestionAdmin(_OneStoreAdmin):
    """The guided finder: two to four questions, each with answers to tap (a category, an
    option value, a price band)."""

    form = FinderQuestionForm
    inlines = (FinderChoiceInline,)
    list_display = ("text", "kind", "position")
    own_fields = ("position", "text", "kind", "option_name")
    ordering = ("position", "id")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.store = None if sees_all_stores(request) else seller_store(request)
        return form
