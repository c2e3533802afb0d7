"""The seller's campaign pages: the list, the composer, a campaign (audience count, preview,
test send, send now or later, pause, resume, cancel, its report), the segments and their
builder with a live count. Thin: ``marketing.campaigns`` (services, engine, segments,
tracking, selectors) does the work, the same functions the API calls."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketing.campaign_forms import CampaignForm, SegmentForm, editable_layout
from marketing.campaign_models import Campaign
from marketing.campaigns import engine, segments, selectors, services, tracking
from marketing.views import _error, email_preview, seller_page

State = Campaign.State
ACTIONS = ("send", "schedule", "pause", "resume", "cancel", "test")


def _campaign(store, pk: int) -> Campaign:
    campaign = selectors.campaign_for_seller(store=store, pk=pk)
    if campaign is None:
        raise Http404(_("No such campaign."))
    return campaign


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(
        label=gettext_lazy("Send at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean_at(self):
        at = self.cleaned_data["at"]
        if at <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return at


@require_GET
@seller_page
def campaign_list(request, store):
    """The store's campaigns, 20 a page, with their state and figures."""
    paginator = Paginator(selectors.campaign_list(store=store), selectors.PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        return _error(request, _("This page does not exist."), 404)
    return render(
        request,
        "marketing/campaigns/list.html",
        {"store": store, "page_obj": page, "campaigns": page.object_list, "query_without_page": ""},
    )


def _compose(request, store, campaign: Campaign | None):
    if campaign is not None and campaign.state not in services.EDITABLE:
        return _error(request, _("A campaign can be changed only before it is sent."), 409)
    if campaign is not None and not editable_layout(campaign.blocks):
        return _error(request, _("This campaign's layout was made through the API: change it there."), 409)
    initial = CampaignForm.initial_for(campaign) if campaign is not None else {}
    form = CampaignForm(request.POST or None, initial=initial, store=store)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                campaign = services.save_campaign(
                    store=store, campaign=campaign, data=form.campaign_data(), actor=request.user
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Saved. Check the preview, send yourself a test, then send it."))
                return redirect("marketing:campaign", pk=campaign.pk)
        status = 400
    if form.is_bound:
        segment = form.cleaned_data.get("segment") if hasattr(form, "cleaned_data") else None
    else:
        segment = campaign.segment if campaign is not None else None
    count = segments.segment_count(store=store, rules=segment.rules if segment else [])
    return render(
        request,
        "marketing/campaigns/compose.html",
        {"store": store, "form": form, "campaign": campaign, "count": count},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@seller_page
def campaign_new(request, store):
    return _compose(request, store, None)


@require_http_methods(["GET", "POST"])
@seller_page
def campaign_edit(request, store, pk: int):
    return _compose(request, store, _campaign(store, pk))


@require_GET
@seller_page
def campaign_detail(request, store, pk: int):
    """A campaign: before sending, its audience count, preview and the buttons; afterwards its
    report (and pause, resume or cancel while it is sending)."""
    campaign = _campaign(store, pk)
    return _detail(request, store, campaign)


def _detail(request, store, campaign: Campaign, *, schedule_form=None, status: int = 200):
    editable = campaign.state in services.EDITABLE
    count = segments.segment_count(store=store, rules=campaign.segment.rules if campaign.segment_id else [])
    report = tracking.campaign_report(campaign) if campaign.audience_ready else None
    return render(
        request,
        "marketing/campaigns/detail.html",
        {
            "store": store,
            "campaign": campaign,
            "editable": editable,
            "count": count if editable else None,
            "report": report,
            "preview": services.preview(campaign=campaign),
            "schedule_form": schedule_form or ScheduleForm(initial={"at": campaign.scheduled_at}),
            "can_pause": campaign.state == State.SENDING,
            "can_resume": campaign.state == State.PAUSED,
            "can_cancel": campaign.state in (State.DRAFT, State.SCHEDULED, State.SENDING, State.PAUSED),
            "layout_editable": editable_layout(campaign.blocks),
        },
        status=status,
    )


@email_preview
def campaign_preview(request, store, pk: int) -> str:
    """The rendered email alone, for the campaign page's sandboxed frame."""
    return services.preview(campaign=_campaign(store, pk)).html


@require_POST
@seller_page
def campaign_action(request, store, pk: int, action: str):
    """The campaign page's buttons (POST): send now, schedule, pause, resume, cancel, test."""
    campaign = _campaign(store, pk)
    if action not in ACTIONS:
        raise Http404(_("No such action."))
    try:
        if action == "test":
            if not request.user.email:
                return _error(request, _("Your account has no email address to send the test to."), 400)
            services.send_test(campaign=campaign, to=request.user.email)
            messages.success(
                request, _("A test was sent to %(email)s. Open it and try its links.") % {"email": request.user.email}
            )
        elif action == "send":
            count = engine.start_campaign(campaign)
            messages.success(
                request,
                ngettext("Sending to %(count)s person.", "Sending to %(count)s people.", count) % {"count": count},
            )
        elif action == "schedule":
            form = ScheduleForm(request.POST)
            if not form.is_valid():
                return _detail(request, store, campaign, schedule_form=form, status=400)
            engine.schedule_campaign(campaign, at=form.cleaned_data["at"])
            messages.success(request, _("Scheduled."))
        elif action == "pause":
            engine.pause_campaign(campaign, reason=_("Paused by you."))
            messages.success(request, _("Paused: no more emails until you resume."))
        elif action == "resume":
            engine.resume_campaign(campaign)
            messages.success(request, _("Sending again."))
        elif action == "cancel":
            engine.cancel_campaign(campaign)
            messages.success(request, _("Cancelled: no more emails from this campaign."))
    except engine.CampaignStateError:
        campaign.refresh_from_db()
        return _error(
            request,
            _("The campaign is %(state)s: that cannot be done now.") % {"state": campaign.get_state_display()},
            409,
        )
    return redirect("marketing:campaign", pk=campaign.pk)


# --- Segments -----------------------------------------------------------------------------------


@require_GET
@seller_page
def segment_list(request, store):
    """The saved segments with the number of mailable contacts in each now."""
    rows = [
        (segment, segments.segment_count(store=store, rules=segment.rules))
        for segment in segments.store_segments(store)[:100]
    ]
    everyone = segments.segment_count(store=store, rules=[])
    return render(request, "marketing/campaigns/segments.html", {"store": store, "rows": rows, "everyone": everyone})


@require_http_methods(["GET", "POST"])
@seller_page
def segment_new(request, store):
    """Build a segment from the rule kinds; the count follows the form as it is filled."""
    form = SegmentForm(request.POST or None, store=store)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_segment(store=store, name=form.cleaned_data["name"], rules=form.rules())
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Segment saved: choose it in a campaign's “Send to”."))
                return redirect("marketing:segments")
        status = 400
    count = segments.segment_count(store=store, rules=[])
    return render(
        request, "marketing/campaigns/segment_form.html", {"store": store, "form": form, "count": count}, status=status
    )


def _count_error(request, message: str, status: int):
    # X-Swap-Errors: htmx shows this answer in place of the count (static/js/social.js).
    response = render(request, "marketing/campaigns/count.html", {"error": message}, status=status)
    response["X-Swap-Errors"] = "true"
    return response


@require_http_methods(["GET", "POST"])
@seller_page
def audience_count(request, store):
    """htmx: the number of people who would get the email. GET ``?segment=<id>`` (a saved
    segment; empty: everyone) from the composer, POST the segment builder's form."""
    if request.method == "POST":
        form = SegmentForm(request.POST, store=store)
        if not form.is_valid():
            return _count_error(request, _("Check the rules: %(errors)s") % {"errors": _field_errors(form)}, 400)
        try:
            rules = segments.validate_rules(store=store, rules=form.rules())
        except ValidationError as exc:
            return _count_error(request, " ".join(exc.messages), 400)
    else:
        value = str(request.GET.get("segment", ""))
        if value and not (value.isdigit() and len(value) < 19):
            return _count_error(request, _("No such segment."), 400)
        segment = segments.store_segments(store).filter(pk=int(value)).first() if value else None
        if value and segment is None:
            return _count_error(request, _("No such segment."), 404)
        rules = segment.rules if segment else []
    return render(
        request, "marketing/campaigns/count.html", {"count": segments.segment_count(store=store, rules=rules)}
    )


def _field_errors(form: forms.Form) -> str:
    return " ".join(
        f"{form.fields[name].label}: {' '.join(errors)}" if name in form.fields else " ".join(errors)
        for name, errors in form.errors.items()
    )
