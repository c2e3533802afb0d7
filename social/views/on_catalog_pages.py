"""What the social layer shows inside catalog pages: receivers of ``catalog.signals``
(connected in ``SocialConfig.ready()``), so catalog's templates never import social."""

from __future__ import annotations

from django.template.loader import render_to_string

from social import selectors
from social.models import Profile

SEEN_IN_POSTS = 8


def seen_in_posts(sender: object, *, request, product, **_kwargs) -> str:
    """On a product page: the newest posts that tag it (nothing at all when none do)."""
    user = getattr(request, "user", None)
    posts = selectors.posts_tagging(product=product, user=user, limit=SEEN_IN_POSTS)
    if not posts:
        return ""
    return render_to_string("social/slots/seen_in_posts.html", {"posts": posts, "product": product}, request=request)


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
        "social/slots/store_social.html",
        {"profile": profile, "store": store, "is_self": is_self, "following": following},
        request=request,
    )
