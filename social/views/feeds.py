"""The home page and the feeds: Following, For you, a hashtag, the Saved list."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from catalog.models import Store
from shop import stencil
from social import selectors
from social.cards import render_cards_utf8
from social.templatetags.post_cards import CARDS_HOLE
from social.views.common import cursor_url, is_htmx, login_required, social_errors

FOLLOWING, FOR_YOU = "following", "for_you"
# What htmx's infinite scroll swaps in: the next cards and the next sentinel.
PARTIAL = "social/partials/feed_items.html"
SUGGESTED_STORES = 6


def _feed_response(request, *, page, url_name: str, template: str, context: dict, url_kwargs=None):
    """A page of post cards: the whole page, or (for htmx's infinite scroll) the cards and
    the next sentinel only.

    ``context`` holds plain values (text, flags) and, for an empty page, anything else the
    empty state needs. A page with posts is filled into the stencil of its shape
    (``shop.stencil.render_page``): the cards, the next page's address and, on a whole page,
    the header are its holes. A whole page with messages waiting is rendered in full."""
    url = reverse(url_name, kwargs=url_kwargs)
    next_url = cursor_url(url, page.next_cursor)
    back_url = request.get_full_path()
    context = {**context, "is_later_page": bool(request.GET.get("cursor"))}
    partial = is_htmx(request)
    if page.items and _stencil_serves(request, partial=partial):
        token = stencil.csrf_token(request)
        fills = {
            CARDS_HOLE: lambda: render_cards_utf8(page.items, viewer=request.user, csrf_token=token, back_url=back_url),
        }
        if next_url:
            fills["next_url"] = lambda: escape(next_url)
        shape = {**context, "posts": True}
        return stencil.render_page(request, PARTIAL if partial else template, shape=shape, fills=fills)
    context = {**context, "page": page, "posts": page.items, "next_url": next_url, "back_url": back_url}
    return render(request, PARTIAL if partial else template, context)


def _stencil_serves(request, *, partial: bool) -> bool:
    """Whether a page with posts comes from its stencil: always for htmx's partial (it shows
    no messages), and for a whole page unless messages wait to be shown."""
    return partial or not stencil.has_messages(request)


def _suggested_stores() -> list[Store]:
    return list(Store.objects.filter(is_active=True).order_by("-created_at")[:SUGGESTED_STORES])


def _feed(request, tab: str):
    cursor = request.GET.get("cursor")
    context: dict = {"tab": tab}
    if tab == FOLLOWING:
        page = selectors.following_feed(user=request.user, cursor=cursor)
        if not page.items and not cursor:
            context["suggested_stores"] = _suggested_stores()
        url_name = "social:following"
    else:
        page = selectors.for_you_feed(user=request.user, cursor=cursor)
        url_name = "social:for_you"
        if request.user.is_authenticated and not cursor:
            # Someone who follows nobody yet is shown For you with a nudge to follow stores.
            context["nudge"] = not selectors.follows_anyone(request.user)
    return _feed_response(request, page=page, url_name=url_name, template="social/home.html", context=context)


@require_GET
@vary_on_headers("HX-Request")
@social_errors
def home(request):
    """Anonymous visitors: a short hero and For you. Signed in: Following once they follow
    someone, else For you with a nudge to follow stores."""
    if not request.user.is_authenticated:
        return _feed(request, FOR_YOU)
    return _feed(request, FOLLOWING if selectors.follows_anyone(request.user) else FOR_YOU)


@require_GET
@vary_on_headers("HX-Request")
@login_required
@social_errors
def following(request):
    return _feed(request, FOLLOWING)


@require_GET
@vary_on_headers("HX-Request")
@social_errors
def for_you(request):
    return _feed(request, FOR_YOU)


@require_GET
@vary_on_headers("HX-Request")
@social_errors
def hashtag(request, name: str):
    tag, page = selectors.hashtag_feed(name=name, user=request.user, cursor=request.GET.get("cursor"))
    return _feed_response(
        request,
        page=page,
        url_name="social:hashtag",
        url_kwargs={"name": tag.name},
        template="social/post_list.html",
        context={
            "title": f"#{tag.name}",
            "insights_source": "hashtag",
            "empty_title": _("No posts with this hashtag yet."),
        },
    )


@require_GET
@vary_on_headers("HX-Request")
@login_required
@social_errors
def saved(request):
    """The signed-in person's own Saved list: nobody else's is reachable."""
    page = selectors.saved_posts(user=request.user, cursor=request.GET.get("cursor"))
    return _feed_response(
        request,
        page=page,
        url_name="social:saved",
        template="social/post_list.html",
        context={
            "title": _("Saved"),
            "lead": _("Only you can see what you saved."),
            "empty_title": _("Nothing saved yet."),
            "empty_text": _("Tap the bookmark on a post to keep it here."),
            "is_saved_list": True,
        },
    )
