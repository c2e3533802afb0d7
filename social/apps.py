from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    name = "social"
    verbose_name = _("Social")

    def ready(self) -> None:
        from catalog import signals as catalog_signals
        from social import notifications, reminders, sellers
        from social.selectors.feeds import person_following_count
        from social.views import on_catalog_pages

        # The home page and For you ask whether the person follows anyone: read with them.
        catalog_signals.person_loading.connect(person_following_count, dispatch_uid="social.person_following_count")

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
