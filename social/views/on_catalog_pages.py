"""What the social layer shows inside catalog pages: receivers of ``catalog.signals``
(connected in ``SocialConfig.ready()``), so catalog's templates never import social."""

from __future__ import annotations

from django.template.loader import render_to_string

from catalog import selectors as catalog_selectors
from shop import stencil
from social import selectors
from social.models import Profile

SEEN_IN_POSTS = 8


SEEN_HOLE = "seen_in_posts"


def seen_in_posts(sender: object, *, request, product, **_kwargs) -> str:
    """On a product page: the newest posts that tag it (nothing at all when none do). They are
    the same for every viewer with no block with anyone: in the page's stencil, what a
    signed-in nobody sees, kept for them, and a hole filled anew for the others."""
    html = _seen_in_posts(request, product)
    if not (stencil.is_stand_in(request) and request.user.is_authenticated):
        return html
    return stencil.fill_later(request, stencil.hole(SEEN_HOLE), _seen_by_viewer, product_id=product.pk, seen=html)


def _seen_in_posts(request, product) -> str:
    posts = selectors.posts_tagging(product=product, user=request.user, limit=SEEN_IN_POSTS)
    if not posts:
        return ""
    return render_to_string("social/on_pages/seen_in_posts.html", {"posts": posts, "product": product}, request=request)


def _seen_by_viewer(request, *, product_id: int, seen: str) -> dict[str, str]:
    if not selectors.has_blocks(request.user):
        return {SEEN_HOLE: seen}
    return {SEEN_HOLE: _seen_in_posts(request, catalog_selectors.product_with_store(pk=product_id))}


def store_social(sender: object, *, request, store, **_kwargs) -> str:
    """In a store page's header: followers, a follow button, and a link to its posts."""
    user = getattr(request, "user", None)
    # Read only: a catalog page never writes. A store nobody has followed or posted as
    # may have no profile yet; its follow button then leads to the store's social page.
    profile = Profile.objects.filter(store=store).first() or Profile(store=store)
    profile.store = store
    is_self = user is not None and user.is_authenticated and store.owner_id == user.pk
    following = bool(profile.pk) and not is_self and selectors.follow_state(viewer=user, profile=profile)
    return render_to_string(
        "social/on_pages/store_social.html",
        {"profile": profile, "store": store, "is_self": is_self, "following": following},
        request=request,
    )
