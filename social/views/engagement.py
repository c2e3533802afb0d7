"""Likes, saves and comments: small htmx forms that swap themselves, and plain forms that
post and come back without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from social import ratelimit, selectors, services
from social.forms import CommentForm
from social.models import Comment, Like, Post, Save
from social.views.common import SWAP_ERRORS_HEADER, back_to, is_htmx, login_required, social_errors, wants_on
from social.views.posts import _visible_post, comments_context


def _button_response(request, post: Post, template: str, anchor: str):
    if not is_htmx(request):
        return back_to(request, post.get_absolute_url(), anchor)
    post = selectors.post_detail(pk=post.pk, user=request.user)
    return render(request, template, {"post": post, "back_url": request.POST.get("next", "")})


@require_POST
@login_required
@social_errors
def like(request, pk: int):
    post = _visible_post(request, pk)
    liked = Like.objects.filter(user=request.user, post=post).exists()
    if wants_on(request, liked):
        services.like(user=request.user, post=post)
    else:
        services.unlike(user=request.user, post=post)
    return _button_response(request, post, "components/like_button.html", f"post-{post.pk}")


@require_POST
@login_required
@social_errors
def save(request, pk: int):
    post = _visible_post(request, pk)
    saved = Save.objects.filter(user=request.user, post=post).exists()
    if wants_on(request, saved):
        services.save_post(user=request.user, post=post)
    else:
        services.unsave_post(user=request.user, post=post)
    return _button_response(request, post, "components/save_button.html", f"post-{post.pk}")


def _comments_section(request, post: Post, *, form: CommentForm | None = None, status: int = 200):
    post = selectors.post_detail(pk=post.pk, user=request.user)
    context = comments_context(request, post, panel=bool(request.POST.get("panel")))
    context["comment_form"] = form
    response = render(request, "social/partials/comments_changed.html", context, status=status)
    if status == 400:
        response[SWAP_ERRORS_HEADER] = "true"
    return response


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@social_errors
def comments(request, pk: int):
    """GET: the next page of comments (htmx) or the post page at that page. POST: comment or reply."""
    post = _visible_post(request, pk)
    if request.method == "GET":
        if not is_htmx(request):
            return back_to(request, f"{post.get_absolute_url()}?comments={request.GET.get('cursor', '')}", "comments")
        if request.GET.get("panel"):
            # A feed card opens its comments, with the form, in place.
            post = selectors.post_detail(pk=post.pk, user=request.user)
            return render(request, "social/partials/comments.html", comments_context(request, post, panel=True))
        context = comments_context(request, post, request.GET.get("cursor"))
        return render(request, "social/partials/comment_items.html", context)
    return _add_comment(request, post)


@login_required
def _add_comment(request, post: Post):
    form = CommentForm(request.POST)
    ratelimit.take("comment", request.user.pk)
    comment = None
    if form.is_valid():
        parent = None
        if form.cleaned_data.get("parent"):
            parent = Comment.objects.filter(pk=form.cleaned_data["parent"], post=post).first()
            if parent is None:
                form.add_error(None, _("You can only reply to a comment on this post."))
        if not form.errors:
            try:
                comment = services.add_comment(
                    author=request.user, post=post, body=form.cleaned_data["body"], parent=parent
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
    if comment is None:
        ratelimit.give_back("comment", request.user.pk)
        if is_htmx(request):
            return _comments_section(request, post, form=form, status=400)
        raise ValidationError([message for errors in form.errors.values() for message in errors])
    if is_htmx(request):
        return _comments_section(request, post)
    messages.success(request, _("Your comment is posted."))
    return back_to(request, post.get_absolute_url(), f"comment-{comment.pk}")


def _comment_for_moderation(request, pk: int) -> Comment:
    comment = get_object_or_404(Comment.objects.select_related("post__profile", "parent"), pk=pk)
    if not Post.objects.visible_to(request.user).filter(pk=comment.post_id).exists():
        raise Http404(_("No such comment."))
    return comment


@require_POST
@login_required
@social_errors
def comment_delete(request, pk: int):
    """Authors delete their own comments; the post's author (or its store's owner) any on it."""
    comment = _comment_for_moderation(request, pk)
    post = comment.post
    services.delete_comment(comment=comment, actor=request.user)
    if is_htmx(request):
        return _comments_section(request, post)
    messages.success(request, _("The comment is deleted."))
    return back_to(request, post.get_absolute_url(), "comments")


@require_POST
@login_required
@social_errors
def comment_hide(request, pk: int):
    """Moderation by the post's author or its store's owner: the comment and its replies go."""
    comment = _comment_for_moderation(request, pk)
    post = comment.post
    services.hide_comment(comment=comment, actor=request.user)
    if is_htmx(request):
        return _comments_section(request, post)
    messages.success(request, _("The comment is hidden."))
    return back_to(request, post.get_absolute_url(), "comments")
