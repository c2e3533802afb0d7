from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    name = "social"
    verbose_name = _("Social")

    def ready(self) -> None:
        from catalog.auth_backends import add_person_column
        from shop import slots
        from social import notifications, reminders, sellers
        from social.selectors import feeds
        from social.views import slots as social_slots

        # The home page and For you ask whether the person follows anyone: read with them.
        add_person_column(feeds.PERSON_FOLLOWING_ATTRIBUTE, feeds.person_following_count_sql)

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
        slots.register("product_page", friend_views.friends_on_product)

        slots.register("product_page", social_slots.seen_in_posts)

        # Reviews: kinds, verified purchases on order_paid, ratings on catalog's product cards.
        from social import review_notifications, reviews_signals
        from social.views import reviews as review_views

        review_notifications.register_kinds()
        reviews_signals.connect()
        slots.register("product_page", review_views.product_reviews_slot)
        slots.register("product_page", friend_views.also_like_on_product)
        slots.register("store_page", social_slots.store_social)
