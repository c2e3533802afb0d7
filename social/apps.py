from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Fields whose saves change nothing the catalog's pages show.
_NOT_SHOWN = frozenset({"last_login", "follower_count", "following_count", "post_count", "feed_built_at"})


def _only_counters(instance: object, kwargs: dict) -> bool:
    update_fields = kwargs.get("update_fields")
    return bool(update_fields) and set(update_fields) <= _NOT_SHOWN


class SocialConfig(AppConfig):
    name = "social"
    verbose_name = _("Social")

    def ready(self) -> None:
        from catalog import signals as catalog_signals
        from social import notifications, reminders, sellers
        from social.selectors.feeds import person_following_count, person_has_blocks
        from social.views import on_catalog_pages

        # The home page and For you ask whether the person follows anyone: read with them.
        catalog_signals.person_loading.connect(person_following_count, dispatch_uid="social.person_following_count")
        # Whether they have blocks: if not, the product page's "Seen in posts" is everyone's.
        catalog_signals.person_loading.connect(person_has_blocks, dispatch_uid="social.person_has_blocks")

        # The sellers group (catalog's) gets the social admin permissions; see social/sellers.py.
        sellers.connect(self)
        notifications.register_kinds()
        reminders.connect()  # the daily digest; savers hear of restocks and price drops

        # Friends: recommendation kinds, recommenders told on order_paid; on the product page
        # what friends did with it and "Send to a friend" first, "You may also like" last.
        from social import friend_notifications
        from social.views import recommendations as friend_views

        friend_notifications.register_kinds()
        friend_notifications.connect()
        product_page = catalog_signals.product_page_shown
        product_page.connect(friend_views.friends_on_product, dispatch_uid="social.friends_on_product")
        product_page.connect(on_catalog_pages.seen_in_posts, dispatch_uid="social.seen_in_posts")

        # Reviews: kinds, verified purchases on order_paid, ratings on catalog's product cards.
        from social import review_notifications, reviews_signals
        from social.views import reviews as review_views

        review_notifications.register_kinds()
        reviews_signals.connect()
        product_page.connect(review_views.reviews_on_product, dispatch_uid="social.reviews_on_product")
        product_page.connect(friend_views.also_like_on_product, dispatch_uid="social.also_like_on_product")
        catalog_signals.store_page_shown.connect(on_catalog_pages.store_social, dispatch_uid="social.store_social")

        # What the catalog's pages show of this app (reviews, ratings, posts that tag a
        # product, "You may also like", names): their stencils follow it (shop.stencil.version).
        from catalog.apps import CATALOG_PAGES
        from shop import stencil
        from shop.models import User
        from social.models import (
            Post,
            PostImage,
            ProductAffinity,
            ProductRating,
            ProductTag,
            Profile,
            Review,
            ReviewPhoto,
            ReviewReply,
        )

        stencil.watch(
            CATALOG_PAGES, Post, PostImage, ProductTag, Review, ReviewPhoto, ReviewReply, ProductRating, ProductAffinity
        )
        # A profile's or a person's name (a post's author, a reviewer), not their counters or last login.
        stencil.watch(CATALOG_PAGES, Profile, User, ignore=_only_counters)
