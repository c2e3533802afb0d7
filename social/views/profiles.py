"""Profiles of people and stores, their followers and following, follows and blocks."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from catalog.models import Store
from shop.models import User
from social import selectors, services
from social.models import Block, Follow, Profile
from social.views.common import back_to, cursor_url, is_htmx, login_required, social_errors, wants_on


def _grid_response(request, *, page, url: str, template: str, context: dict):
    """A profile page, or (for htmx's "Load more") the next tiles and the next button only."""
    context = {**context, "page": page, "posts": page.items, "next_url": cursor_url(url, page.next_cursor)}
    if is_htmx(request) and request.GET.get("cursor"):
        return render(request, "social/partials/grid_items.html", context)
    return render(request, template, context)


def _user_relations(viewer, profile: Profile) -> dict:
    """Follow, friend and block state between the viewer and a person's profile (404 if
    that person blocked the viewer: to them, the profile does not exist)."""
    person = profile.user
    state = {"is_self": False, "following": False, "follows_you": False, "you_blocked": False}
    if not viewer.is_authenticated:
        return state
    if viewer.pk == person.pk:
        return {**state, "is_self": True}
    blocks = set(
        Block.objects.filter(blocker_id__in=[viewer.pk, person.pk], blocked_id__in=[viewer.pk, person.pk]).values_list(
            "blocker_id", flat=True
        )
    )
    if person.pk in blocks:
        raise Http404(_("No such person."))
    state["you_blocked"] = viewer.pk in blocks
    state["following"] = selectors.follow_state(viewer=viewer, profile=profile)
    viewer_profile = services.profile_for_user(user=viewer)
    state["follows_you"] = Follow.objects.filter(follower=person, followee=viewer_profile).exists()
    return state


def _user_profile_context(request, username: str) -> tuple[Profile, dict]:
    profile = selectors.user_profile(username=username, viewer=request.user)
    relations = _user_relations(request.user, profile)
    store = Store.objects.filter(owner=profile.user, is_active=True).first()
    return profile, {
        "profile": profile,
        "person": profile.user,
        "store": store,
        "friends": relations["following"] and relations["follows_you"],
        **relations,
    }


@require_GET
@vary_on_headers("HX-Request")
@social_errors
def user_profile(request, username: str):
    profile, context = _user_profile_context(request, username)
    page = selectors.profile_posts(profile=profile, user=request.user, cursor=request.GET.get("cursor"))
    url = reverse("social:user_profile", kwargs={"username": profile.user.username})
    return _grid_response(request, page=page, url=url, template="social/profile.html", context=context)


@require_GET
@vary_on_headers("HX-Request")
@social_errors
def store_profile(request, slug: str):
    profile = selectors.store_profile(slug=slug)
    viewer = request.user
    context = {
        "profile": profile,
        "store": profile.store,
        "is_self": viewer.is_authenticated and profile.store.owner_id == viewer.pk,
        "following": selectors.follow_state(viewer=viewer, profile=profile),
    }
    page = selectors.profile_posts(profile=profile, user=viewer, cursor=request.GET.get("cursor"))
    url = reverse("social:store_profile", kwargs={"slug": slug})
    return _grid_response(request, page=page, url=url, template="social/profile.html", context=context)


def _people_response(request, *, profile: Profile, page, kind: str, url: str):
    context = {
        "profile": profile,
        "kind": kind,
        "page": page,
        "people": page.items,
        "next_url": cursor_url(url, page.next_cursor),
    }
    if is_htmx(request) and request.GET.get("cursor"):
        return render(request, "social/partials/people_items.html", context)
    return render(request, "social/people.html", context)


@require_GET
@vary_on_headers("HX-Request")
@social_errors
def user_followers(request, username: str):
    profile, _context = _user_profile_context(request, username)
    page = selectors.followers_of(profile=profile, cursor=request.GET.get("cursor"))
    url = reverse("social:user_followers", kwargs={"username": profile.user.username})
    return _people_response(request, profile=profile, page=page, kind="followers", url=url)


@require_GET
@vary_on_headers("HX-Request")
@social_errors
def user_following(request, username: str):
    profile, _context = _user_profile_context(request, username)
    page = selectors.following_of(user=profile.user, cursor=request.GET.get("cursor"))
    url = reverse("social:user_following", kwargs={"username": profile.user.username})
    return _people_response(request, profile=profile, page=page, kind="following", url=url)


@require_GET
@vary_on_headers("HX-Request")
@social_errors
def store_followers(request, slug: str):
    profile = selectors.store_profile(slug=slug)
    page = selectors.followers_of(profile=profile, cursor=request.GET.get("cursor"))
    url = reverse("social:store_followers", kwargs={"slug": slug})
    return _people_response(request, profile=profile, page=page, kind="followers", url=url)


# --- Follow and block ---------------------------------------------------------------------


def _followable(pk: int) -> Profile:
    profile = get_object_or_404(Profile.objects.select_related("user", "store"), pk=pk)
    if (profile.user_id and not profile.user.is_active) or (profile.store_id and not profile.store.is_active):
        raise Http404(_("No such profile."))
    return profile


@require_POST
@login_required
@social_errors
def follow(request, pk: int):
    """Follow or unfollow a person or a store (``on=1`` / ``on=0``; without it, toggle)."""
    profile = _followable(pk)
    following = Follow.objects.filter(follower=request.user, followee=profile).exists()
    if wants_on(request, following):
        services.follow(follower=request.user, profile=profile)
        following = True
    else:
        services.unfollow(follower=request.user, profile=profile)
        following = False
    if not is_htmx(request):
        return back_to(request, profile.get_absolute_url())
    profile.refresh_from_db(fields=["follower_count", "following_count"])
    return render(
        request,
        "components/follow_button.html",
        {
            "profile": profile,
            "following": following,
            "back_url": request.POST.get("next", ""),
            "with_count": request.POST.get("count") == "1",
            "count_oob": request.POST.get("count") == "1",
            "compact": request.POST.get("compact") == "1",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@social_errors
def block(request, username: str):
    """GET asks to confirm (without JavaScript); POST blocks (``on=0``: unblocks)."""
    person = User.objects.filter(username__iexact=username, is_active=True).first()
    if person is None:
        raise Http404(_("No such person."))
    if person.pk == request.user.pk:
        raise ValidationError(_("You cannot block yourself."))
    if Block.objects.filter(blocker=person, blocked=request.user).exists():
        raise Http404(_("No such person."))
    if request.method == "GET":
        return render(request, "social/block_confirm.html", {"person": person})
    if request.POST.get("on") == "0":
        services.unblock(blocker=request.user, blocked=person)
        done = _("You unblocked %(name)s.") % {"name": person.username}
    else:
        services.block(blocker=request.user, blocked=person)
        done = _("You blocked %(name)s. They can no longer follow you or see your posts.") % {"name": person.username}
    if is_htmx(request):
        profile, context = _user_profile_context(request, person.username)
        page = selectors.profile_posts(profile=profile, user=request.user)
        url = reverse("social:user_profile", kwargs={"username": person.username})
        context.update(
            {"page": page, "posts": page.items, "next_url": cursor_url(url, page.next_cursor), "notice": done}
        )
        return render(request, "social/partials/profile_body.html", context)
    messages.success(request, done)
    return redirect("social:user_profile", username=person.username)
