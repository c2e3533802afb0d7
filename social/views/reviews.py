"""Reviews on the product page (``catalog.signals.product_page_shown``) and their own pages.

With htmx everything happens in place: sort and filter swap the list, "Write a review"
opens the form inside the section and publishing re-renders the section (the average and
the count change at once), "Helpful", "Report", the seller's reply and hiding swap what
they change. Without JavaScript every control is a link or a form that posts and comes back.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from catalog import selectors as catalog_selectors
from catalog.models import Product
from shop import stencil
from social import selectors, services
from social.forms import ReviewForm, ReviewReplyForm, ReviewReportForm
from social.models import Review, ReviewReport, ReviewVote
from social.selectors import ReviewFilters
from social.services.reviews import can_reply, is_moderator, is_reviewable
from social.views.common import (
    SWAP_ERRORS_HEADER,
    back_to,
    is_htmx,
    login_required,
    social_errors,
    wants_on,
)

SECTION = "social/reviews/section.html"


def _product(request, slug: str) -> Product:
    """The product as its page shows it (drafts only to their seller): else 404."""
    return catalog_selectors.product_detail(slug=slug, user=request.user)


def _list_url(product: Product, filters: ReviewFilters, **changes) -> str:
    url = reverse("social:product_reviews", kwargs={"slug": product.slug})
    query = filters.as_query(**changes)
    return f"{url}?{urlencode(query)}" if query else url


def _viewer_rights(request, product: Product) -> dict:
    """What a review's item offers the viewer besides "Helpful": reply, hide, report."""
    return {
        "viewer_can_reply": can_reply(user=request.user, product=product),
        "viewer_can_moderate": is_moderator(user=request.user, product=product),
        "report_reasons": ReviewReport.Reason.choices,
    }


def results_context(
    request, product: Product, filters: ReviewFilters, cursor: str | None = None, *, summary=None
) -> dict:
    """The part sorting and filtering swap: the histogram, the controls, a page of reviews and
    the "more" link. Three queries: the summary (unless given), the reviews, their photos."""
    summary = summary if summary is not None else selectors.rating_summary(product=product)
    page = selectors.reviews_for(product=product, viewer=request.user, filters=filters, cursor=cursor)
    list_url = reverse("social:product_reviews", kwargs={"slug": product.slug})
    more_url = ""
    if page.next_cursor:
        more_url = f"{list_url}?{urlencode({**filters.as_query(), 'cursor': page.next_cursor})}"
    return {
        "product": product,
        "summary": summary,
        "star_links": [
            (bar, _list_url(product, filters, stars=None if filters.stars == bar.star else bar.star))
            for bar in summary.histogram
        ],
        "filters": filters,
        "reviews": page.items,
        "more_url": more_url,
        "list_url": list_url,
        "clear_url": _list_url(product, filters, stars=None, with_photos=False),
        "sort_choices": list(selectors.REVIEW_SORTS.items()),
        **_viewer_rights(request, product),
    }


def section_context(
    request, product: Product, *, filters: ReviewFilters | None = None, form=None, notice: str = ""
) -> dict:
    """Everything the reviews section shows, in a constant number of queries: the summary (1),
    a page of reviews with their photos (2), the viewer's own review (1, when logged in)."""
    filters = filters or ReviewFilters()
    user = request.user
    context = results_context(request, product, filters)
    context.update(
        {
            "own_review": selectors.viewer_review(product=product, viewer=user),
            "can_write": is_reviewable(product=product) and product.store.owner_id != user.pk,
            "review_form": form,
            "notice": notice,
        }
    )
    return context


# On the product page, in its stencil: the section is a hole (a moderator's is their own), and
# the blocks that show the viewer are rendered in each state, for each request to pick its own.
REVIEWS_HOLE = "product_reviews"
VIEWER_STATES = {
    "review_own": ("own_review", ("exists", "is_hidden")),
    "review_helpful": ("review", ("viewer_is_author", "viewer_voted")),
    "review_report": ("review", ("viewer_is_author", "viewer_reported")),
}


class _OwnReviewStandIn:
    """``own_review`` while the stencil is rendered: whether there is one, and whether it is hidden."""

    exists = False
    is_hidden = False

    def __bool__(self) -> bool:
        return self.exists


def _section_html(request, product: Product) -> str:
    return render_to_string(SECTION, section_context(request, product), request=request)


def reviews_on_product(sender: object, *, request, product, **_kwargs) -> str:
    """On a product page (``catalog.signals.product_page_shown``): its reviews section."""
    if not (stencil.is_stand_in(request) and request.user.is_authenticated):
        return _section_html(request, product)
    context = section_context(request, product)
    rendering = stencil.Rendering(VIEWER_STATES)
    context.update(
        {
            "own_review": _OwnReviewStandIn(),
            stencil.CSRF_HOLE: stencil.csrf_token(request),
            stencil.RENDERING: rendering,
        }
    )
    return stencil.fill_later(
        request,
        stencil.hole(REVIEWS_HOLE),
        _reviews_for_viewer,
        product_id=product.pk,
        owner_id=product.store.owner_id,
        review_ids=[review.pk for review in context["reviews"]],
        section=stencil.cut(render_to_string(SECTION, context, request=request)),
        variants=rendering.variants,
    )


def _reviews_for_viewer(
    request, *, product_id: int, owner_id: int, review_ids: list[int], section: list, variants: dict
) -> dict[str, stencil.Fill | str]:
    """The viewer's reviews section from the stencil's: their own review's actions, and their
    "Helpful" and "Report" on each review (one query); a moderator's rendered in full."""
    user = request.user
    if user.is_superuser or user.pk == owner_id:  # who may reply or hide (is_moderator, can_reply)
        product = catalog_selectors.product_with_store(pk=product_id)
        return {REVIEWS_HOLE: _section_html(request, product)}
    marks = selectors.viewer_marks(product_id=product_id, viewer=user, review_ids=review_ids)
    values: dict[str, stencil.Fill | str] = {
        REVIEWS_HOLE: section,
        "review_own": variants["review_own"][(marks.own_id is not None, marks.own_hidden)],
    }
    for pk in review_ids:
        mine = pk == marks.own_id
        values[f"review_helpful_{pk}"] = variants[f"review_helpful_{pk}"][(mine, pk in marks.voted)]
        values[f"review_report_{pk}"] = variants[f"review_report_{pk}"][(mine, pk in marks.reported)]
    return values


def _section_response(request, product: Product, *, status: int = 200, **kwargs) -> HttpResponse:
    response = render(request, SECTION, section_context(request, product, **kwargs), status=status)
    if status == 400:
        response[SWAP_ERRORS_HEADER] = "true"
    return response


# --- Reading ------------------------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
@social_errors
def product_reviews(request, slug: str):
    """A product's reviews, sorted and filtered: the list part (htmx), the next page's items
    (htmx with a cursor), or a whole page (no JavaScript, or a shared link)."""
    product = _product(request, slug)
    filters = ReviewFilters.from_query(request.GET)
    cursor = request.GET.get("cursor")
    if is_htmx(request):
        context = results_context(request, product, filters, cursor)
        template = "social/reviews/items.html" if cursor else "social/reviews/results.html"
        return render(request, template, context)
    context = section_context(request, product, filters=filters)
    if cursor:
        context.update(results_context(request, product, filters, cursor, summary=context["summary"]))
    return render(request, "social/reviews/page.html", context)


# --- Writing ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@login_required
@social_errors
def review_write(request, slug: str):
    """Write a review, or edit yours: the form in the section (htmx) or on its own page."""
    product = _product(request, slug)
    if not is_reviewable(product=product):
        raise ValidationError(_("This product is not on sale, so it cannot be reviewed."))
    if product.store.owner_id == request.user.pk:
        raise PermissionDenied(_("You cannot review your own store's products."))
    own = selectors.viewer_review(product=product, viewer=request.user)
    form = ReviewForm(request.POST or None, request.FILES or None, review=own)
    if request.method == "GET":
        if is_htmx(request):
            return render(request, "social/reviews/form.html", {"product": product, "form": form, "own_review": own})
        return render(request, "social/reviews/form_page.html", {"product": product, "form": form, "own_review": own})
    if form.is_valid():
        try:
            _review, created = services.write_review(author=request.user, product=product, **form.service_arguments())
        except ValidationError as exc:
            form.add_service_error(exc)
    if form.errors:
        if is_htmx(request):
            return _section_response(request, product, form=form, status=400)
        context = {"product": product, "form": form, "own_review": own}
        return render(request, "social/reviews/form_page.html", context, status=400)
    notice = _("Thank you! Your review is published.") if created else _("Your review is saved.")
    if is_htmx(request):
        return _section_response(request, product, notice=notice)
    messages.success(request, notice)
    return redirect(f"{product.get_absolute_url()}#reviews")


@require_POST
@login_required
@social_errors
def review_delete(request, slug: str):
    product = _product(request, slug)
    own = selectors.viewer_review(product=product, viewer=request.user)
    if own is None:
        raise Http404(_("You have not reviewed this product."))
    services.delete_review(review=own, actor=request.user)
    notice = _("Your review is deleted.")
    if is_htmx(request):
        return _section_response(request, product, notice=notice)
    messages.success(request, notice)
    return redirect(f"{product.get_absolute_url()}#reviews")


# --- Helpful, report, reply, hide ---------------------------------------------------------------


def _review(request, pk: int) -> Review:
    """A visible review of a product the viewer may see: else 404."""
    review = Review.objects.select_related("product__store").filter(pk=pk, is_hidden=False).first()
    if review is None or not Product.objects.visible_to(request.user).filter(pk=review.product_id).exists():
        raise Http404(_("No such review."))
    return review


def _item_response(request, review: Review, *, status: int = 200) -> HttpResponse:
    product = review.product
    context = {
        "review": selectors.review_detail(pk=review.pk, viewer=request.user),
        "product": product,
        **_viewer_rights(request, product),
    }
    return render(request, "social/reviews/item.html", context, status=status)


def _review_url(review: Review) -> str:
    return f"{review.product.get_absolute_url()}#review-{review.pk}"


@require_POST
@login_required
@social_errors
def review_helpful(request, pk: int):
    """Toggle "Helpful" (``on=1``/``on=0`` as seen; without it, flip)."""
    review = _review(request, pk)
    voted = ReviewVote.objects.filter(review=review, user=request.user).exists()
    if wants_on(request, voted):
        services.vote_helpful(user=request.user, review=review)
    else:
        services.unvote_helpful(user=request.user, review=review)
    if not is_htmx(request):
        return back_to(request, review.product.get_absolute_url(), f"review-{review.pk}")
    context = {"review": selectors.review_detail(pk=review.pk, viewer=request.user), "product": review.product}
    return render(request, "social/reviews/helpful.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@social_errors
def review_report(request, pk: int):
    """GET: the report form as a page (no JavaScript). POST: report the review, once."""
    review = _review(request, pk)
    form = ReviewReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.report_review(user=request.user, review=review, **form.cleaned_data)
        notice = _("Thank you. The seller and our staff will look at this review.")
        if is_htmx(request):
            return render(request, "social/reviews/reported.html", {"notice": notice})
        messages.success(request, notice)
        return redirect(_review_url(review))
    status = 400 if form.is_bound else 200
    if is_htmx(request) and form.is_bound:
        raise ValidationError([message for errors in form.errors.values() for message in errors])
    return render(request, "social/reviews/report_page.html", {"review": review, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@social_errors
def review_reply(request, pk: int):
    """The store's owner answers a review, once (and edits that answer)."""
    review = _review(request, pk)
    if not can_reply(user=request.user, product=review.product):
        raise PermissionDenied(_("Only the store's owner can reply to its reviews."))
    reply = getattr(review, "reply", None)  # None: no reply yet (the reverse one-to-one raises AttributeError)
    form = ReviewReplyForm(request.POST or None, initial={"body": reply.body if reply else ""})
    if request.method == "POST" and form.is_valid():
        _reply, created = services.reply_to_review(review=review, actor=request.user, body=form.cleaned_data["body"])
        if is_htmx(request):
            return _item_response(request, review)
        messages.success(request, _("Your reply is published.") if created else _("Your reply is saved."))
        return redirect(_review_url(review))
    if is_htmx(request) and form.is_bound:
        raise ValidationError([message for errors in form.errors.values() for message in errors])
    status = 400 if form.is_bound else 200
    return render(request, "social/reviews/reply_page.html", {"review": review, "form": form}, status=status)


@require_POST
@login_required
@social_errors
def review_hide(request, pk: int):
    """The product's seller or staff hide a review: it leaves the list and the average."""
    review = _review(request, pk)
    services.hide_review(review=review, actor=request.user)
    notice = _("The review is hidden. Show it again from the back office.")
    if is_htmx(request):
        return _section_response(request, review.product, notice=notice)
    messages.success(request, notice)
    return redirect(f"{review.product.get_absolute_url()}#reviews")
