"""Reviews in the back office: a seller sees the reviews of their store's products, hides and
shows them again (actions) and replies to each once (the "Your reply" field, which edits that
reply later). Staff (superusers) see every review with its reports, and the reports.

Nothing here writes a review row itself: hiding, showing and replying go through
``social.services``, so the product's rating stays exact and the author is notified. A review
is never edited or deleted here (its author does that on the site; a bad one is hidden).
"""

from __future__ import annotations

import copy

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog.admin.scoping import StoreScopedAdminMixin, sees_all_stores, with_store_column
from social import services
from social.admin.posts import excerpt
from social.models import Review, ReviewPhoto, ReviewReport
from social.models.reviews import REPLY_MAX
from social.services.reviews import can_reply


class ReportedFilter(admin.SimpleListFilter):
    title = _("reports")
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return (("yes", _("Reported")), ("open", _("With open reports")), ("no", _("Not reported")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(report_count__gt=0)
        if self.value() == "open":
            return queryset.filter(reports__resolved_at__isnull=True, reports__isnull=False).distinct()
        if self.value() == "no":
            return queryset.filter(report_count=0)
        return queryset


class ReviewAdminForm(forms.ModelForm):
    """No field of the review itself is editable: only the seller's reply."""

    reply = forms.CharField(
        label=_("Your reply"),
        required=False,
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown under the review on the product page. You reply once; you may edit it later."),
    )

    class Meta:
        model = Review
        fields: list[str] = []


class ReviewPhotoInline(admin.TabularInline):
    model = ReviewPhoto
    extra = 0
    fields = ("preview", "alt_text", "position")
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("photos")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("photo"))
    def preview(self, obj):
        return format_html(
            # Only a width: the picture keeps its shape without a style="" attribute, which the
            # Content-Security-Policy would refuse.
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="{}" width="96"></a>',
            obj.display_url,
            obj.thumbnail_url,
            obj.alt,
        )


class ReviewReportInline(admin.TabularInline):
    """Staff only: who reported the review and why (sellers see how many reports there are)."""

    model = ReviewReport
    extra = 0
    fields = ("reporter", "reason", "note", "created_at", "resolved_at")
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("reports")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return sees_all_stores(request)


@admin.register(Review)
class ReviewAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    store_path = "product__store"
    form = ReviewAdminForm
    list_display = (
        "stars",
        "review_excerpt",
        "product",
        "author",
        "verified_purchase",
        "helpful_count",
        "report_count",
        "replied",
        "is_hidden",
        "created_at",
    )
    list_display_links = ("review_excerpt",)
    list_filter = (
        "is_hidden",
        ReportedFilter,
        "rating",
        "verified_purchase",
        ("created_at", admin.DateFieldListFilter),
    )
    list_select_related = ("product__store", "author", "reply")
    search_fields = ("title", "body", "author__username", "author__first_name", "author__last_name", "product__title")
    ordering = ("-created_at", "-id")
    readonly_fields = (
        "product",
        "author",
        "rating",
        "title",
        "body",
        "verified_purchase",
        "helpful_count",
        "report_count",
        "is_hidden",
        "hidden_by",
        "created_at",
        "updated_at",
        "on_site",
    )
    fieldsets = (
        (None, {"fields": ("product", "author", "rating", "title", "body", "verified_purchase", "created_at")}),
        (
            _("On the site"),
            {"fields": ("helpful_count", "report_count", "is_hidden", "hidden_by", "updated_at", "on_site")},
        ),
        (_("Your reply"), {"fields": ("reply",)}),
    )
    inlines = (ReviewPhotoInline, ReviewReportInline)
    actions = ("hide_reviews", "unhide_reviews")

    def get_list_display(self, request):
        return with_store_column(request, self.list_display, after="product")

    def get_search_fields(self, request):
        if sees_all_stores(request):
            return (*self.search_fields, "product__store__name")
        return self.search_fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product__store", "author", "hidden_by")

    def has_add_permission(self, request):
        return False  # shoppers write reviews on the site

    def has_delete_permission(self, request, obj=None):
        return False  # the author deletes on the site; a bad review is hidden

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # The declared field is shared by every form class made from ReviewAdminForm: change a copy.
        form.base_fields["reply"] = reply = copy.deepcopy(form.base_fields["reply"])
        reply.initial = obj.reply.body if obj is not None and hasattr(obj, "reply") else ""
        reply.disabled = obj is None or obj.is_hidden or not can_reply(user=request.user, product=obj.product)
        if reply.disabled:
            reply.help_text = _("Only the store's owner replies, and not to a hidden review.")
        return form

    def save_model(self, request, obj, form, change):
        # The review's own fields are read only: never ``obj.save()``, which would write back
        # counters that other requests may have moved meanwhile.
        body = form.cleaned_data.get("reply", "")
        if "reply" in form.changed_data and body:
            services.reply_to_review(review=obj, actor=request.user, body=body)

    @admin.display(description=_("rating"), ordering="rating")
    def stars(self, obj):
        return "★" * obj.rating + "☆" * (5 - obj.rating)

    @admin.display(description=_("review"))
    def review_excerpt(self, obj):
        return excerpt(f"{obj.title} — {obj.body}" if obj.title and obj.body else obj.title or obj.body, 80) or _(
            "(no text)"
        )

    @admin.display(description=_("store"), ordering="product__store__name")
    def store(self, obj):
        return obj.product.store

    @admin.display(description=_("replied"), boolean=True)
    def replied(self, obj):
        return hasattr(obj, "reply")

    @admin.display(description=_("on the site"))
    def on_site(self, obj):
        if obj.is_hidden:
            return _("Hidden: not shown on the site.")
        url = f"{obj.product.get_absolute_url()}#review-{obj.pk}"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("View on site"))

    @admin.action(description=_("Hide selected reviews"), permissions=["change"])
    def hide_reviews(self, request, queryset):
        hidden = sum(services.hide_review(review=review, actor=request.user) for review in queryset)
        message = ngettext("%(count)d review was hidden.", "%(count)d reviews were hidden.", hidden)
        self.message_user(request, message % {"count": hidden}, messages.SUCCESS)

    @admin.action(description=_("Show selected reviews again"), permissions=["change"])
    def unhide_reviews(self, request, queryset):
        shown = sum(services.unhide_review(review=review, actor=request.user) for review in queryset)
        message = ngettext("%(count)d review is shown again.", "%(count)d reviews are shown again.", shown)
        self.message_user(request, message % {"count": shown}, messages.SUCCESS)


@admin.register(ReviewReport)
class ReviewReportAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    """Staff: every report, open ones first. Hiding the review resolves its reports."""

    store_path = "review__product__store"
    list_display = ("reason", "review_link", "reporter", "note", "created_at", "resolved_at")
    list_filter = (("resolved_at", admin.EmptyFieldListFilter), "reason", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("review__product", "reporter")
    search_fields = ("note", "review__title", "review__body", "reporter__username")
    ordering = ("-created_at", "-id")
    fields = ("review_link", "reporter", "reason", "note", "created_at", "resolved_at")
    readonly_fields = fields
    actions = ("resolve_reports",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)  # the action only

    @admin.display(description=_("review"))
    def review_link(self, obj):
        url = reverse("admin:social_review_change", args=[obj.review_id])
        label = excerpt(obj.review.title or obj.review.body, 60) or _("Review %(id)d") % {"id": obj.review_id}
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.action(description=_("Mark selected reports as dealt with"), permissions=["change"])
    def resolve_reports(self, request, queryset):
        resolved = queryset.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        message = ngettext("%(count)d report was resolved.", "%(count)d reports were resolved.", resolved)
        self.message_user(request, message % {"count": resolved}, messages.SUCCESS)
