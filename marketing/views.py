"""Marketing pages: the seller's customer list, a contact's page (tags and note, consent,
export, erasure, merges), the CSV import; and the public side: the store page's sign-up
form, the double opt-in confirmation, the unsubscribe link. Thin: services and selectors do
the work."""

from __future__ import annotations

import json

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import Store
from marketing import selectors, services, texts, tokens
from marketing.campaigns import selectors as campaign_selectors
from marketing.forms import DetailsForm, ImportForm, SignupForm
from marketing.models import ContactMerge, Identity, RFMGroup, Source, address_hash
from marketing.selectors import ContactFilters
from marketing.services.consent import InvalidLink
from shop.client import ClientInfo
from social import ratelimit
from social.ratelimit import Limit, RateLimited

SIGNUP_PER_ADDRESS = Limit(3, 3600, gettext_lazy("Too many requests for this address. Try again in an hour."))
SIGNUP_PER_CLIENT = Limit(20, 3600, gettext_lazy("Too many sign-ups from here. Try again in an hour."))


def _error(request, message: str, status: int):
    return render(request, "social/error.html", {"message": message, "status": status}, status=status)


def _seller_store(request) -> Store | None:
    return Store.objects.filter(owner=request.user).first()


def _contact(request, store: Store, pk: int):
    contact = selectors.contact_for_seller(store=store, pk=pk)
    if contact is None:
        raise Http404(_("No such contact."))
    return contact


def seller_page(view):
    """A seller's page: signed in, with a store (403 otherwise); the view gets the store."""

    @login_required
    def wrapper(request, *args, **kwargs):
        store = _seller_store(request)
        if store is None:
            return _error(request, _("Only a seller with a store has a customer list."), 403)
        return view(request, store, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def email_preview(view):
    """A seller's page showing one rendered email alone (``view`` returns its HTML), for the
    sandboxed frame of the page that edits it: GET only, framed by this site only, with its own
    policy (the email's inline styles and pictures from anywhere, no script at all: the frame's
    sandbox blocks scripts too; every value in it was escaped when it was rendered), never cached."""

    @require_GET
    @xframe_options_sameorigin
    @csp_replace({"style-src": ["'unsafe-inline'"], "img-src": ["*", "data:"], "frame-ancestors": ["'self'"]})
    @seller_page
    def wrapper(request, store, *args, **kwargs):
        response = HttpResponse(view(request, store, *args, **kwargs), content_type="text/html; charset=utf-8")
        response["Cache-Control"] = "no-store"
        return response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


# --- The seller's pages ------------------------------------------------------------------------


@require_GET
@seller_page
def contact_list(request, store: Store):
    """The store's customers: search, a group or a tag, 25 a page."""
    group = request.GET.get("group")
    tag = str(request.GET.get("tag", ""))
    filters = ContactFilters(
        search=str(request.GET.get("q", ""))[: selectors.SEARCH_MAX],
        group=group if group in RFMGroup.values and group else None,
        tag_id=int(tag) if tag.isdigit() and len(tag) < 19 else None,
    )
    paginator = Paginator(selectors.contact_list(store=store, filters=filters), selectors.PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        return _error(request, _("This page does not exist."), 404)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "marketing/contact_list.html",
        {
            "store": store,
            "page_obj": page,
            "contacts": page.object_list,
            "filters": filters,
            "groups": [choice for choice in RFMGroup.choices if choice[0]],
            "tags": list(selectors.store_tags(store=store)),
            "query_without_page": query.urlencode(),
            "any_contact": filters != ContactFilters()
            or page.paginator.count > 0
            or selectors.store_contacts(store=store).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
@seller_page
def contact_detail(request, store: Store, pk: int):
    """A contact: orders, spending, chats, follow, consent and its history, merges; the
    seller's tags and private note (POST)."""
    contact = _contact(request, store, pk)
    initial = {"tags": ", ".join(tag.name for tag in contact.tags.all()), "note": contact.note}
    form = DetailsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.set_details(contact=contact, tags=form.tag_names(), note=form.cleaned_data["note"])
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Saved."))
                return redirect("marketing:contact", pk=contact.pk)
        status = 400
    return render(
        request,
        "marketing/contact_detail.html",
        {
            "store": store,
            "contact": contact,
            "activity": selectors.contact_activity(contact=contact),
            "campaigns": campaign_selectors.campaigns_received(contact=contact),
            "consent": getattr(contact, "consent", None),
            "history": list(selectors.consent_history(contact=contact)),
            "form": form,
        },
        status=status,
    )


@require_GET
@seller_page
def contact_export(request, store: Store, pk: int):
    """The contact's data and consent history, as a JSON file."""
    contact = _contact(request, store, pk)
    body = json.dumps(services.export_contact(contact=contact), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@seller_page
def contact_erase(request, store: Store, pk: int):
    """GET asks; POST erases the contact (on the person's request)."""
    contact = _contact(request, store, pk)
    if request.method == "POST":
        services.erase_contact(contact=contact, actor=request.user)
        messages.success(request, _("The contact was erased."))
        return redirect("marketing:contacts")
    return render(request, "marketing/contact_erase.html", {"store": store, "contact": contact})


@require_POST
@seller_page
def contact_withdraw(request, store: Store, pk: int):
    """The person asked the seller to stop: their consent is withdrawn at once."""
    contact = _contact(request, store, pk)
    if services.withdraw_consent(
        contact=contact, source=Source.SELLER, client=ClientInfo.of(request), actor=request.user
    ):
        messages.success(request, _("Consent withdrawn: no more marketing email to this contact."))
    return redirect("marketing:contact", pk=contact.pk)


@require_POST
@seller_page
def merge_undo(request, store: Store, pk: int):
    merge = get_object_or_404(ContactMerge, pk=pk, store=store)
    try:
        services.undo_merge(merge=merge, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The merge was undone: they are two contacts again."))
    return redirect("marketing:contact", pk=merge.kept_id)


@require_http_methods(["GET", "POST"])
@seller_page
def contact_import(request, store: Store):
    """Upload a CSV; every bad row is listed with its line and reason, the others added."""
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report = services.import_contacts(
                    store=store,
                    data=form.cleaned_data["file"].read(),
                    actor=request.user,
                    client=ClientInfo.of(request),
                )
            except ValidationError as exc:
                form.add_error("file", exc.messages)
                status = 400
        else:
            status = 400
    return render(request, "marketing/import.html", {"store": store, "form": form, "report": report}, status=status)


# --- The public side ---------------------------------------------------------------------------


@require_POST
def signup(request, slug: str):
    """The store page's form: the address gets a confirmation email; nothing more before its
    link is followed."""
    store = get_object_or_404(Store, slug=slug, is_active=True)
    form = SignupForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "marketing/signup.html",
            {"store": store, "form": form, "consent_text": texts.form_text(store.name)},
            status=400,
        )
    email = form.cleaned_data["email"]
    client = ClientInfo.of(request)
    try:
        ratelimit.take("marketing_signup", f"{store.pk}-{address_hash(email)}", limit=SIGNUP_PER_ADDRESS)
        ratelimit.take("marketing_signup_client", client.ip_address or "unknown", limit=SIGNUP_PER_CLIENT)
    except RateLimited as exc:
        return _error(request, exc.message, 429)
    seen = [services.Seen(Identity.Kind.EMAIL, email)]
    user = request.user
    if user.is_authenticated and user.email.lower() == email.lower():
        seen = services.user_seen(user=user)  # their own account and its address
    contact = services.record_contact(
        store_id=store.pk,
        seen=seen,
        source=Source.FORM,
        name=user.get_full_name() if user.is_authenticated else "",
        language=request.LANGUAGE_CODE,
    )
    event = services.ask_consent(
        contact=contact,
        email=email,
        source=Source.FORM,
        text=texts.form_text(store.name),
        client=client,
        actor=user,
    )
    return render(request, "marketing/signup_done.html", {"store": store, "email": email, "already": event is None})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """The double opt-in link. GET shows what is being confirmed (a mail scanner's visit
    changes nothing); the page's button (POST) confirms."""
    try:
        event = services.consent.pending_request(token=token)
    except tokens.ExpiredLink:
        return _link_error(request, _("This confirmation link has expired. Sign up again to get a new one."), 410)
    except (signing.BadSignature, InvalidLink):
        return _link_error(request, _("This confirmation link is not valid. Copy the whole link from the email."), 400)
    done = False
    if request.method == "POST":
        try:
            services.confirm_consent(token=token, client=ClientInfo.of(request))
        except InvalidLink:
            return _link_error(
                request, _("This confirmation link was replaced by a newer one. Use the newest email."), 400
            )
        done = True
    response = render(
        request, "marketing/confirm.html", {"event": event, "store": event.contact.store, "token": token, "done": done}
    )
    response["X-Robots-Tag"] = "noindex"
    return response


# Exempt from CSRF on purpose, as shop.notifications' unsubscribe: mail clients POST RFC 8058's
# one-click body ("List-Unsubscribe=One-Click") from outside the site, with no token and no
# session. The signed token in the URL is the whole authorization, and all it can do is stop
# one store's marketing email to one address.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET asks (link scanners follow GETs and must change nothing); POST unsubscribes at once."""
    try:
        store_id, _hashed = tokens.read_unsubscribe_token(token)
    except signing.BadSignature:
        return _link_error(request, _("This unsubscribe link is not valid. Copy the whole link from the email."), 400)
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        return _link_error(request, _("This store no longer exists: it sends no email."), 404)
    done = False
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        services.unsubscribe(
            token=token, source=Source.ONE_CLICK if one_click else Source.LINK, client=ClientInfo.of(request)
        )
        done = True
    response = render(request, "marketing/unsubscribe.html", {"store": store, "token": token, "done": done})
    response["X-Robots-Tag"] = "noindex"
    return response


def _link_error(request, message: str, status: int):
    response = render(request, "marketing/link_error.html", {"message": message}, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response
