"""A post's page, publishing, editing the caption, deleting, tagging products, and the
product sheet a tag opens in place."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from catalog import selectors as catalog_selectors
from catalog.models import Product
from shop import events
from social import ratelimit, selectors, services
from social.forms import CaptionForm, PostForm, TagForm, posting_profiles
from social.models import Post, ProductTag, Profile
from social.services.engagement import can_moderate
from social.views.common import (
    SWAP_ERRORS_HEADER,
    cursor_url,
    is_htmx,
    login_required,
    social_errors,
)

SEARCH_RESULTS = 20


def _visible_post(request, pk: int) -> Post:
    """The post, if the viewer may see it (not hidden, no block between them): else 404."""
    post = Post.objects.visible_to(request.user).select_related("profile__user", "profile__store").filter(pk=pk).first()
    if post is None:
        raise Http404(_("No such post."))
    return post


def _own_post(request, pk: int) -> Post:
    post = _visible_post(request, pk)
    if post.author_id != request.user.pk:
        raise PermissionDenied(_("Only the author can change this post."))
    return post


def comments_context(request, post: Post, cursor: str | None = None, *, panel: bool = False) -> dict:
    """``panel``: the comments open inside a feed card (ids carry the post's, no page anchors)."""
    page = selectors.comments_for(post=post, cursor=cursor)
    viewer = request.user
    return {
        "post": post,
        "comments": page.items,
        "comments_page": page,
        "more_comments_url": cursor_url(reverse("social:comments", kwargs={"pk": post.pk}), page.next_cursor),
        "viewer_can_moderate": viewer.is_authenticated and can_moderate(user=viewer, post=post),
        "comments_panel": panel,
    }


@require_GET
@social_errors
def post_detail(request, pk: int):
    post = selectors.post_detail(pk=pk, user=request.user)
    context = comments_context(request, post, request.GET.get("comments"))
    context["back_url"] = request.get_full_path()
    return render(request, "social/post_detail.html", context)


# --- Publishing ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@social_errors
def post_create(request):
    form = PostForm(request.POST or None, request.FILES or None, user=request.user)
    status = 200
    if request.method == "POST":
        ratelimit.take("post", request.user.pk)
        if form.is_valid():
            try:
                post = services.create_post(
                    author=request.user,
                    profile=form.cleaned_data["profile"],
                    images=form.cleaned_data["images"],
                    caption=form.cleaned_data["caption"],
                    alt_texts=form.cleaned_data["alt_texts"],
                    tags=form.cleaned_data["tags"],
                )
            except ValidationError as exc:
                form.add_service_error(exc)
        if form.errors:
            ratelimit.give_back("post", request.user.pk)
            status = 400
        else:
            messages.success(request, _("Your post is published."))
            return redirect(post.get_absolute_url())
    return render(
        request,
        "social/post_form.html",
        {"form": form, "composer_state": form.composer_state() if form.is_bound else {"tags": []}},
        status=status,
    )


@require_GET
@login_required
@social_errors
def product_search(request):
    """Products the author may tag: a store tags its own active products, a person any.

    ``profile`` is the profile being posted as; ``mode=pick`` gives buttons (the composer),
    otherwise radio inputs (the edit-tags form).
    """
    profiles = {str(profile.pk): profile for profile in posting_profiles(request.user)}
    profile = profiles.get(request.GET.get("profile", ""))
    if profile is None:
        # A profile the person does not speak for: search as themselves.
        profile = next(iter(profiles.values()))
    query = (request.GET.get("q") or "").strip()[:100]
    products = _search_products(profile, query)
    return render(
        request,
        "social/partials/product_results.html",
        {"products": products, "q": query, "mode": "pick" if request.GET.get("mode") == "pick" else "radio"},
    )


def _search_products(profile: Profile, query: str) -> list[Product]:
    if not query and not profile.is_store:
        return []
    filters = catalog_selectors.ProductFilters(q=query, sort="title" if not query else "relevance")
    if profile.is_store:
        filters.store = profile.store
    return list(catalog_selectors.product_list(filters=filters)[:SEARCH_RESULTS])


# --- Changing a post -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@social_errors
def post_edit(request, pk: int):
    post = _own_post(request, pk)
    form = CaptionForm(request.POST or None, initial={"caption": post.caption})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.edit_caption(post=post, editor=request.user, caption=form.cleaned_data["caption"])
            except ValidationError as exc:
                form.add_error("caption", exc.messages)
            else:
                messages.success(request, _("The caption is saved."))
                return redirect(post.get_absolute_url())
        status = 400
    return render(request, "social/post_edit.html", {"post": post, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@social_errors
def post_delete(request, pk: int):
    """GET asks to confirm (for browsers without JavaScript); POST deletes."""
    post = _own_post(request, pk)
    if request.method == "GET":
        return render(request, "social/post_delete.html", {"post": post})
    profile_url = post.profile.get_absolute_url()
    services.delete_post(post=post, actor=request.user)
    messages.success(request, _("The post is deleted."))
    if is_htmx(request):
        response = render(request, "social/partials/empty.html")
        response["HX-Redirect"] = profile_url
        return response
    return redirect(profile_url)


def _tags_context(request, post: Post, form: TagForm) -> dict:
    post = selectors.post_detail(pk=post.pk, user=request.user)
    query = (request.GET.get("q") or "").strip()[:100]
    return {
        "post": post,
        "form": form,
        "q": query,
        "products": _search_products(post.profile, query) if query or post.profile.is_store else [],
    }


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@login_required
@social_errors
def post_tags(request, pk: int):
    """The edit-tags page: the current tags with remove buttons, and a form to add one."""
    post = _own_post(request, pk)
    form = TagForm(request.POST or None, post=post)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.tag_product(
                    actor=request.user,
                    image=data["image"],
                    product=data["product"],
                    x=data["x"] / 100,
                    y=data["y"] / 100,
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                if not is_htmx(request):
                    messages.success(request, _("%(product)s is tagged.") % {"product": data["product"].title})
                    return redirect("social:post_tags", pk=post.pk)
                form = TagForm(post=post)
        if form.errors:
            status = 400
    context = _tags_context(request, post, form)
    if is_htmx(request):
        response = render(request, "social/partials/tag_editor.html", context, status=status)
        if status == 400:
            response[SWAP_ERRORS_HEADER] = "true"
        return response
    return render(request, "social/post_tags.html", context, status=status)


@require_POST
@login_required
@social_errors
def tag_remove(request, pk: int):
    tag = get_object_or_404(
        ProductTag.objects.select_related("post"), Q(post__in=Post.objects.visible_to(request.user)), pk=pk
    )
    services.remove_tag(actor=request.user, tag=tag)
    if is_htmx(request):
        post = Post.objects.get(pk=tag.post_id)
        return render(request, "social/partials/tag_editor.html", _tags_context(request, post, TagForm(post=post)))
    messages.success(request, _("The tag is removed."))
    return redirect("social:post_tags", pk=tag.post_id)


# --- The product sheet -------------------------------------------------------------------


def _picker_axes(choices: dict, initial) -> list[dict]:
    """The variant picker's option axes, each value marked checked when the initial variant has it."""
    chosen = {name: str(value) for name, value in initial.options.items()} if initial else {}
    return [
        {
            "name": axis["name"],
            "values": [{"value": v, "checked": chosen.get(axis["name"]) == v} for v in axis["values"]],
        }
        for axis in choices["axes"]
    ]


@require_GET
@vary_on_headers("HX-Request")
@social_errors
def product_sheet(request, pk: int):
    """What a tag dot opens in place: the product, its price, variants and stock."""
    tag = (
        ProductTag.objects.filter(pk=pk, post__in=Post.objects.visible_to(request.user))
        .select_related("product")
        .first()
    )
    if tag is None:
        raise Http404(_("No such tag."))
    context: dict = {"tag": tag}
    try:
        product = catalog_selectors.product_detail(slug=tag.product.slug, user=request.user)
    except Http404:
        product = None
    if product is None or not product.is_public or not product.store.is_active:
        context.update({"product": tag.product, "unavailable": True})
    else:
        events.record(
            events.EventName.SHEET_OPEN,
            store_id=product.store_id,
            post_id=tag.post_id,
            product_id=product.pk,
            source=events.Source.from_slug(request.headers.get("X-Insights-Source", "")),
        )
        variants = product.ordered_variants
        initial = catalog_selectors.from_variant(variants)
        choices = catalog_selectors.variant_choices(product)
        context.update(
            {
                "product": product,
                "images": product.ordered_images,
                "variant_choices": choices,
                "initial_variant": initial,
                "picker_axes": _picker_axes(choices, initial),
                "rating": selectors.rating_summary(product=product),
            }
        )
    if is_htmx(request):
        return render(request, "social/partials/product_sheet.html", context)
    return render(request, "social/product_sheet_page.html", context)
