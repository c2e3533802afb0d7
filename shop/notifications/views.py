"""The notification centre: the inbox, the bell's count, mark read, settings, and the
one-click unsubscribe link of the emails (which works without logging in)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from shop import htmx
from shop.cursors import BadCursor
from shop.htmx import is_htmx
from shop.models import Notification, User
from shop.notifications import kinds, selectors, services
from shop.notifications.emails import read_unsubscribe_token
from shop.notifications.forms import PreferencesForm

# htmx elements listening for this (the bell) refresh when notifications were marked read.
CHANGED_EVENT = "notifications-changed"


# A POST-only address would answer 405 after logging in: come back to the inbox instead.
login_required = htmx.login_required(after_post="notifications:inbox")


def _is_safe_local(url: str) -> bool:
    """A path on this site: no scheme, no host (an empty ``allowed_hosts`` refuses any host)."""
    return bool(url) and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=set())


def _after_marking(request, marked: int):
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Trigger"] = CHANGED_EVENT
        return response
    return redirect("notifications:inbox")


# --- The inbox ------------------------------------------------------------------------------


@require_GET
@login_required
@vary_on_headers("HX-Request")
@never_cache
def inbox(request):
    """The grouped list. An htmx request with a cursor gets the next rows only ("Load more")."""
    cursor = request.GET.get("cursor")
    try:
        page = selectors.inbox(user=request.user, cursor=cursor)
    except BadCursor:
        return render(
            request,
            "notifications/error.html",
            {"message": _("This page address is not valid. Start again from the first page.")},
            status=400,
        )
    next_url = f"{reverse('notifications:inbox')}?{urlencode({'cursor': page.next_cursor})}" if page.has_next else ""
    context = {"page": page, "rows": page.rows, "next_url": next_url, "is_later_page": bool(cursor)}
    if is_htmx(request) and cursor:
        return render(request, "notifications/partials/rows.html", context)
    return render(request, "notifications/inbox.html", context)


@require_GET
@login_required
def open_notification(request, pk: int):
    """Follow a row's link: its group is marked read, then on to the target (a path on this
    site only: a target URL is data, and an open redirect would lend it the site's name)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user, in_app=True)
    if notification.group_key:
        services.mark_group_read(user=request.user, group_key=notification.group_key)
    else:
        services.mark_read(user=request.user, notification_ids=[notification.pk])
    target = notification.target_url
    return redirect(target if _is_safe_local(target) else reverse("notifications:inbox"))


@require_POST
@login_required
def mark_read(request):
    """Mark read the posted ``ids`` or ``group_key``, among the user's own notifications only
    (anyone else's ids are ignored)."""
    group_key = request.POST.get("group_key", "")[:120]
    if "\x00" in group_key:  # no notification has one; PostgreSQL cannot even compare it
        group_key = ""
    # Ids as the database can hold them (bigint), a page's worth at most.
    ids = [value for value in request.POST.getlist("ids")[:500] if value.isdigit() and len(value) <= 18]
    marked = 0
    if group_key:
        marked += services.mark_group_read(user=request.user, group_key=group_key)
    if ids:
        marked += services.mark_read(user=request.user, notification_ids=ids)
    return _after_marking(request, marked)


@require_POST
@login_required
def mark_all_read(request):
    marked = services.mark_all_read(user=request.user)
    if not is_htmx(request) and marked:
        messages.success(request, _("All notifications are marked as read."))
    return _after_marking(request, marked)


@require_GET
@never_cache
def unread_count(request):
    """The bell's badge, fetched by htmx after the page loaded (so that rendering a page costs
    no query for it) and polled. Nothing for anonymous visitors."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    count = selectors.unread_count(request.user)
    return render(
        request,
        "notifications/partials/bell_count.html",
        {"count": count, "over_cap": count >= selectors.UNREAD_COUNT_CAP},
    )


# --- Settings and unsubscribe ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request):
    form = PreferencesForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.set_preferences(user=request.user, choices=form.kind_choices())
        services.set_language(user=request.user, language=form.cleaned_data["language"])
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    transactional = [kind for kind in kinds.all_kinds() if kind.transactional]
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "rows": form.rows, "transactional": transactional},
        status=400 if form.is_bound else 200,
    )


# Exempt from CSRF on purpose: mail clients send RFC 8058's one-click unsubscribe
# ("List-Unsubscribe=One-Click") as a POST from outside the site, without a CSRF token or
# a session. CSRF protects requests that ride on the visitor's session; this view never
# uses the session: the signed token in the URL is the whole authorization, and all it can
# do is turn off the emails of the one kind it names for the one user it names.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@never_cache
def unsubscribe(request, token: str):
    """GET asks ("Stop emails about X?"): link scanners follow GETs and must change nothing.
    POST (the page's button, or a mail client's one-click) unsubscribes."""
    try:
        user_id, kind_name = read_unsubscribe_token(token)
    except signing.BadSignature:
        return _bad_link(request)
    kind = kinds.get(kind_name)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or kind is None or kind.transactional:
        return _bad_link(request)
    context = {"kind": kind, "token": token, "done": False}
    if request.method == "POST":
        services.unsubscribe(user=user, kind=kind.name)
        context["done"] = True
    response = render(request, "notifications/unsubscribe.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


def _bad_link(request):
    return render(
        request,
        "notifications/error.html",
        {
            "message": _(
                "This unsubscribe link is not valid. Copy the whole link from the email, "
                "or change your settings after logging in."
            )
        },
        status=400,
    )
