"""Friends' pages: people you may know (a page, a card on the feed and on one's own profile,
both fetched by htmx after the page loaded), the "From your friends" shelf, sending a product
or a post to friends, "Recommended to you", and the "Let friends see what I buy" setting.

And what the product page shows through ``catalog.signals.product_page_shown`` (connected in
``SocialConfig.ready()``): what friends did with the product and a "Send to a friend" button
(one query for a signed-in viewer, none for a visitor), and "You may also like" (read from the
precomputed table).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from catalog.models import Product
from shop import stencil
from shop.models import User
from social.models import Post
from social.selectors import recommendations as friends
from social.services import recommendations as services
from social.views.common import SWAP_ERRORS_HEADER, back_to, cursor_url, is_htmx, login_required, social_errors

PYMK_CARD = 5
PYMK_PAGE = friends.PYMK_LIMIT
SHELF_SECTION = 6


# --- People you may know ---------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
@login_required
@social_errors
def people_you_may_know(request):
    """The whole list; with ``?card=1`` (htmx, from the feed or one's profile) the small card."""
    if request.GET.get("card") == "1":
        suggestions = friends.people_you_may_know(user=request.user, limit=PYMK_CARD)
        if not suggestions:
            return HttpResponse("")
        return render(request, "social/recommendations/pymk_card.html", {"suggestions": suggestions})
    suggestions = friends.people_you_may_know(user=request.user, limit=PYMK_PAGE)
    return render(request, "social/recommendations/people_you_may_know.html", {"suggestions": suggestions})


@require_POST
@login_required
@social_errors
def dismiss_suggestion(request, user_id: int):
    """Not this person: they leave the list for good (htmx removes the row in place)."""
    person = get_object_or_404(User, pk=user_id, is_active=True)
    services.dismiss_suggestion(user=request.user, suggested=person)
    if is_htmx(request):
        return HttpResponse("")
    return back_to(request, reverse("social:people_you_may_know"))


# --- From your friends ------------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
@login_required
@social_errors
def friends_shelf(request):
    """What friends liked, rated or bought; with ``?section=1`` (htmx, on the feed) a short row."""
    if request.GET.get("section") == "1":
        items = friends.friends_shelf(user=request.user, limit=SHELF_SECTION)
        if not items:
            return HttpResponse("")
        return render(request, "social/recommendations/shelf_section.html", {"items": items})
    items = friends.friends_shelf(user=request.user)
    return render(request, "social/recommendations/shelf.html", {"items": items})


# --- Send to a friend ---------------------------------------------------------------------------


class RecommendForm(forms.Form):
    """Whom to send it to (friends only: anyone else is not a valid choice) and a note."""

    recipients = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Friends"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Choose at least one friend."),
            "invalid_choice": gettext_lazy("You can only recommend to your friends."),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        max_length=services.NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": services.NOTE_MAX}),
    )

    def __init__(self, *args, friend_choices: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].choices = [(person.pk, person.display_name) for person in friend_choices]

    def clean_note(self) -> str:
        return services.clean_note(self.cleaned_data.get("note"))


def _subject(request) -> tuple[Product | None, Post | None]:
    """The product (on sale) or the post (visible to the viewer) named by ``product`` or ``post``."""
    data = request.POST if request.method == "POST" else request.GET
    product_id, post_id = data.get("product", ""), data.get("post", "")
    if product_id.isdecimal() and not post_id:
        product = Product.objects.active().select_related("store").filter(pk=int(product_id)).first()
        if product is not None:
            return product, None
    elif post_id.isdecimal() and not product_id:
        post = Post.objects.visible_to(request.user).select_related("profile__store", "profile__user")
        post = post.filter(pk=int(post_id)).first()
        if post is not None:
            return None, post
    raise Http404(_("There is nothing to recommend here."))


def _subject_url(product: Product | None, post: Post | None) -> str:
    return product.get_absolute_url() if product is not None else post.get_absolute_url()


def _form_context(request, form, product, post) -> dict:
    return {
        "form": form,
        "product": product,
        "post": post,
        "subject_url": _subject_url(product, post),
        "has_friends": bool(form.fields["recipients"].choices),
    }


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@login_required
@social_errors
def recommend(request):
    """GET: the form (a fragment for htmx, else a page); POST: send it."""
    product, post = _subject(request)
    friend_choices = list(friends.friends_of(user=request.user))
    if request.method == "GET":
        form = RecommendForm(friend_choices=friend_choices)
        template = "social/recommendations/send_form.html" if is_htmx(request) else "social/recommendations/send.html"
        return render(request, template, _form_context(request, form, product, post))
    form = RecommendForm(request.POST, friend_choices=friend_choices)
    if not form.is_valid():
        context = _form_context(request, form, product, post)
        if is_htmx(request):
            response = render(request, "social/recommendations/send_form.html", context, status=400)
            response[SWAP_ERRORS_HEADER] = "true"
            return response
        return render(request, "social/recommendations/send.html", context, status=400)
    made = services.recommend(
        sender=request.user,
        recipients=form.cleaned_data["recipients"],
        product=product,
        post=post,
        note=form.cleaned_data["note"],
    )
    names = [person.display_name for person in friend_choices if person.pk in {r.recipient_id for r in made}]
    if is_htmx(request):
        return render(
            request,
            "social/recommendations/sent.html",
            {"names": names, "product": product, "post": post},
        )
    messages.success(request, _("Sent to %(names)s.") % {"names": ", ".join(names)})
    return redirect(_subject_url(product, post))


# --- Recommended to you -------------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
@login_required
@social_errors
def recommended_to_you(request):
    """What friends sent, newest first. Opening the page marks them (and their notification) seen."""
    cursor = request.GET.get("cursor")
    page = friends.received_recommendations(user=request.user, cursor=cursor)
    url = reverse("social:recommended_to_you")
    context = {"page": page, "items": page.items, "next_url": cursor_url(url, page.next_cursor)}
    if not cursor:
        services.mark_recommendations_seen(user=request.user)
    if is_htmx(request) and cursor:
        return render(request, "social/recommendations/received_items.html", context)
    return render(request, "social/recommendations/received.html", context)


# --- "Let friends see what I buy" ------------------------------------------------------------------


class SharePurchasesForm(forms.Form):
    share_purchases = forms.BooleanField(
        label=gettext_lazy("Let friends see what I buy"),
        required=False,
        help_text=gettext_lazy(
            "Friends (people you follow who follow you back) see “bought this” on products you paid for, "
            "and hear when they recommended it. Nobody else ever does."
        ),
    )


@require_http_methods(["GET", "POST"])
@login_required
@social_errors
def friends_settings(request):
    if request.method == "POST":
        form = SharePurchasesForm(request.POST)
        if form.is_valid():
            services.set_share_purchases(user=request.user, share=form.cleaned_data["share_purchases"])
            if form.cleaned_data["share_purchases"]:
                messages.success(request, _("Your friends can now see what you buy."))
            else:
                messages.success(request, _("Your purchases are private again."))
            return redirect("social:friends_settings")
    else:
        form = SharePurchasesForm(initial={"share_purchases": request.user.share_purchases})
    return render(request, "social/recommendations/settings.html", {"form": form})


# --- On the product page (``catalog.signals.product_page_shown``) ------------------------------


PROOF_HOLE = "friend_proof"
PROOF = "social/on_pages/friend_proof.html"
PROOF_LINES = "social/on_pages/friend_proof_lines.html"


def friends_on_product(sender: object, *, request, product, **_kwargs) -> str:
    """What the viewer's friends did with this product, and "Send to a friend". One query for
    a signed-in viewer who follows someone, whatever the number of friends; none for a visitor.
    In the page's stencil the friends' lines are a hole, filled for each viewer."""
    if not product.is_public:
        return ""  # a draft or archived product, seen by its seller: nothing to share
    proof = friends.friend_proof(product_id=product.pk, user=request.user)  # a stand-in has none
    if not (stencil.is_stand_in(request) and request.user.is_authenticated):
        return render_to_string(PROOF, {"proof": proof, "product": product}, request=request)
    context = {"proof": proof, "product": product, stencil.RENDERING: stencil.Rendering()}
    html = render_to_string(PROOF, context, request=request)
    return stencil.fill_later(request, html, _proof_for_viewer, product_id=product.pk)


def _proof_for_viewer(request, *, product_id: int) -> dict[str, str]:
    proof = friends.friend_proof(product_id=product_id, user=request.user)
    return {PROOF_HOLE: render_to_string(PROOF_LINES, {"proof": proof}) if proof else ""}


def also_like_on_product(sender: object, *, request, product, **_kwargs) -> str:
    """ "You may also like", from the table the periodic task fills (nothing until it ran)."""
    products = friends.also_like(product=product)
    if not products:
        return ""
    return render_to_string(
        "social/on_pages/you_may_also_like.html", {"products": products, "product": product}, request=request
    )
