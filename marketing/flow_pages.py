"""The seller's flow pages: the store's flows (on or off, what each does, its emails and
figures), a flow (its settings, its emails with their report, add, move and remove emails),
an email of a flow (its wait, subject, preheader and blocks; preview; a test to oneself), and
the products' usage tips sent after delivery. Thin: ``marketing.flows`` (services, figures,
tracking) does the work, the same functions the API calls."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import Product
from marketing.campaign_pages import _add_errors
from marketing.flow_forms import (
    BLOCK_KINDS,
    FlowSettingsForm,
    StepForm,
    TipsForm,
    edit_layout,
    parse_layout,
)
from marketing.flow_models import Flow, FlowStep
from marketing.flows import figures, selectors, services, tracking
from marketing.views import _error, email_preview, seller_page

STEP_ACTIONS = ("up", "down", "remove", "test")


def _flow(store, pk: int) -> Flow:
    flow = selectors.flow_for_seller(store=store, pk=pk)
    if flow is None:
        raise Http404(_("No such flow."))
    return flow


def _step(store, pk: int) -> FlowStep:
    step = FlowStep.objects.select_related("flow__store").filter(flow__store=store, pk=pk).first()
    if step is None:
        raise Http404(_("No such email."))
    return step


@require_http_methods(["GET", "POST"])
@seller_page
def flow_list(request, store):
    """The store's six flows: on or off, what each does, its emails and its figures. Reading
    them makes nothing; a store without them (opened before they existed) gets a "set up"
    button, a POST here that makes the missing ones (switched off)."""
    if request.method == "POST":
        services.set_up_flows(store=store)
        messages.success(request, _("Your automatic emails are ready. Each is off until you switch it on."))
        return redirect("marketing:flows")
    rows = figures.store_flow_rows(store=store)
    return render(
        request,
        "marketing/flows/list.html",
        {"store": store, "rows": rows, "missing": len(rows) < len(Flow.Kind.values)},
    )


def _flow_page(request, store, flow: Flow, *, settings_form=None, status: int = 200):
    steps = list(flow.steps.all())
    report = {row.step.pk: row for row in tracking.flow_report(flow)}
    exits = figures.exits_by_step(flow=flow)
    rows = [
        {"number": number, "step": step, "report": report.get(step.pk), "exits": exits.get(step.position, [])}
        for number, step in enumerate(steps, start=1)
    ]
    settings_form = settings_form or FlowSettingsForm(
        flow=flow, initial={"inactive_days": flow.inactive_days, "cooldown_days": flow.cooldown_days}
    )
    return render(
        request,
        "marketing/flows/detail.html",
        {
            "store": store,
            "flow": flow,
            "description": figures.describe(flow),
            "figures": figures.flow_figures(store=store, flow=flow).get(flow.pk, figures.FlowFigures()),
            "rows": rows,
            "settings_form": settings_form,
            "can_add": len(steps) < services.MAX_STEPS,
            "can_remove": len(steps) > 1,
            "tips_count": figures.tips_count(store=store) if flow.kind == Flow.Kind.POST_DELIVERY else None,
        },
        status=status,
    )


@require_GET
@seller_page
def flow_detail(request, store, pk: int):
    """A flow: its switch and settings, its emails with their report, buttons to change them."""
    return _flow_page(request, store, _flow(store, pk))


@require_POST
@seller_page
def flow_settings(request, store, pk: int):
    flow = _flow(store, pk)
    form = FlowSettingsForm(request.POST, flow=flow)
    if not form.is_valid():
        return _flow_page(request, store, flow, settings_form=form, status=400)
    try:
        services.update_flow(
            flow=flow,
            inactive_days=form.cleaned_data.get("inactive_days"),
            cooldown_days=form.cleaned_data["cooldown_days"],
        )
    except ValidationError as exc:
        _add_errors(form, exc)
        return _flow_page(request, store, flow, settings_form=form, status=400)
    messages.success(request, _("Settings saved."))
    return redirect("marketing:flow", pk=flow.pk)


@require_POST
@seller_page
def flow_switch(request, store, pk: int):
    """Switch a flow on (``enabled=1``) or off (``enabled=0``)."""
    flow = _flow(store, pk)
    value = request.POST.get("enabled")
    if value not in ("0", "1"):
        return _error(request, _("Say whether the flow is to be on or off."), 400)
    flow = services.update_flow(flow=flow, enabled=value == "1")
    if flow.enabled:
        messages.success(request, _("“%(flow)s” is on.") % {"flow": flow.get_kind_display()})
    else:
        messages.success(
            request,
            _("“%(flow)s” is off: nobody enters it, and those in it leave it.") % {"flow": flow.get_kind_display()},
        )
    if request.POST.get("next") == "list":
        return redirect("marketing:flows")
    return redirect("marketing:flow", pk=flow.pk)


@require_POST
@seller_page
def flow_step_new(request, store, pk: int):
    """Add an email at the end of the flow (words to change), and open it."""
    flow = _flow(store, pk)
    try:
        step = services.add_step(flow=flow)
    except ValidationError as exc:
        return _error(request, " ".join(exc.messages), 409)
    messages.success(request, _("Email added at the end of the flow: change its words."))
    return redirect("marketing:flow_step", pk=step.pk)


@require_http_methods(["GET", "POST"])
@seller_page
def flow_step(request, store, pk: int):
    """An email of a flow: its wait, subject, preheader and blocks; its preview; a test."""
    step = _step(store, pk)
    initial, layout, values = StepForm.initial_for(step)
    status = 200
    if request.method != "POST":
        form = StepForm(initial=initial, store=store, layout=layout, block_initial=values)
    else:
        posted = parse_layout(request.POST.get("layout", ""))
        if posted is None:
            return _error(request, _("The form was changed in a way it cannot be: reload the page."), 400)
        form = StepForm(request.POST, store=store, layout=posted)
        edit = request.POST.get("edit")
        if edit:
            # A block added, moved or removed: the page again, what was typed kept, nothing saved.
            changed = edit_layout(posted, form.raw_blocks(), edit)
            if changed is None:
                return _error(request, _("The form was changed in a way it cannot be: reload the page."), 400)
            kinds, values = changed
            typed = {name: request.POST.get(name, "") for name in ("delay_hours", "subject", "preheader")}
            form = StepForm(initial=typed, store=store, layout=kinds, block_initial=values)
        elif form.is_valid():
            try:
                services.save_step(flow=step.flow, step=step, **form.step_data())
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Saved. Check the preview and send yourself a test."))
                return redirect("marketing:flow_step", pk=step.pk)
            status = 400
        else:
            status = 400
    number = list(step.flow.steps.order_by("position").values_list("pk", flat=True)).index(step.pk) + 1
    return render(
        request,
        "marketing/flows/step.html",
        {
            "store": store,
            "flow": step.flow,
            "step": step,
            "number": number,
            "form": form,
            "block_kinds": BLOCK_KINDS.items(),
            "preview": services.preview_step(step=step),
        },
        status=status,
    )


@email_preview
def flow_step_preview(request, store, pk: int) -> str:
    """The email alone, for the step page's sandboxed frame."""
    return services.preview_step(step=_step(store, pk)).html


@require_POST
@seller_page
def flow_step_action(request, store, pk: int, action: str):
    """The buttons of an email of a flow (POST): move up or down, remove, send a test."""
    step = _step(store, pk)
    if action not in STEP_ACTIONS:
        raise Http404(_("No such action."))
    if action == "test":
        if not request.user.email:
            return _error(request, _("Your account has no email address to send the test to."), 400)
        services.send_test(step=step, to=request.user.email)
        messages.success(
            request, _("A test was sent to %(email)s. Open it and try its links.") % {"email": request.user.email}
        )
        return redirect("marketing:flow_step", pk=step.pk)
    if action == "remove":
        try:
            services.remove_step(step=step)
        except ValidationError as exc:
            return _error(request, " ".join(exc.messages), 409)
        messages.success(request, _("Email removed."))
    else:
        services.move_step(step=step, up=action == "up")
    return redirect("marketing:flow", pk=step.flow_id)


# --- Usage tips ---------------------------------------------------------------------------------


@require_GET
@seller_page
def tips_list(request, store):
    """The store's products with their usage tips (sent after delivery), 25 a page."""
    paginator = Paginator(figures.products_with_tips(store=store), figures.TIPS_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        return _error(request, _("This page does not exist."), 404)
    flow = Flow.objects.filter(store=store, kind=Flow.Kind.POST_DELIVERY).first()
    return render(
        request,
        "marketing/flows/tips_list.html",
        {"store": store, "page_obj": page, "products": page.object_list, "flow": flow, "query_without_page": ""},
    )


@require_http_methods(["GET", "POST"])
@seller_page
def tips_edit(request, store, pk: int):
    """One product's usage tips: plain text, or empty for none."""
    product = Product.objects.filter(store=store, pk=pk).select_related("marketing_tips").first()
    if product is None:
        raise Http404(_("No such product."))
    tips = getattr(product, "marketing_tips", None)
    form = TipsForm(request.POST or None, initial={"text": tips.text if tips else ""})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.save_tips(store=store, product=product, text=form.cleaned_data["text"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Usage tips saved for “%(product)s”.") % {"product": product.title})
                return redirect("marketing:flow_tips")
        status = 400
    return render(
        request, "marketing/flows/tips_form.html", {"store": store, "product": product, "form": form}, status=status
    )
