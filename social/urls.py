from django.urls import path

from social import views
from social.views import recommendations as friend_views

app_name = "social"

urlpatterns = [
    path("feed/following/", views.following, name="following"),
    path("feed/for-you/", views.for_you, name="for_you"),
    path("saved/", views.saved, name="saved"),
    path("hashtags/<str:name>/", views.hashtag, name="hashtag"),
    path("posts/new/", views.post_create, name="post_create"),
    path("posts/product-search/", views.product_search, name="product_search"),
    path("posts/<int:pk>/", views.post_detail, name="post_detail"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path("posts/<int:pk>/tags/", views.post_tags, name="post_tags"),
    path("posts/<int:pk>/like/", views.like, name="like"),
    path("posts/<int:pk>/save/", views.save, name="save"),
    path("posts/<int:pk>/comments/", views.comments, name="comments"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/hide/", views.comment_hide, name="comment_hide"),
    path("tags/<int:pk>/sheet/", views.product_sheet, name="product_sheet"),
    path("tags/<int:pk>/remove/", views.tag_remove, name="tag_remove"),
    path("profiles/<int:pk>/follow/", views.follow, name="follow"),
    path("@<str:username>/", views.user_profile, name="user_profile"),
    path("@<str:username>/followers/", views.user_followers, name="user_followers"),
    path("@<str:username>/following/", views.user_following, name="user_following"),
    path("@<str:username>/block/", views.block, name="block"),
    path("s/<slug:slug>/posts/", views.store_profile, name="store_profile"),
    path("s/<slug:slug>/followers/", views.store_followers, name="store_followers"),
    # Friends: people you may know, what friends liked or bought, sending to friends.
    path("friends/suggestions/", friend_views.people_you_may_know, name="people_you_may_know"),
    path("friends/suggestions/<int:user_id>/dismiss/", friend_views.dismiss_suggestion, name="dismiss_suggestion"),
    path("friends/shelf/", friend_views.friends_shelf, name="friends_shelf"),
    path("friends/recommend/", friend_views.recommend, name="recommend"),
    path("friends/recommended/", friend_views.recommended_to_you, name="recommended_to_you"),
    path("friends/settings/", friend_views.friends_settings, name="friends_settings"),
    # Reviews (the product page itself, /p/<slug>/, is catalog's).
    path("p/<slug:slug>/reviews/", views.product_reviews, name="product_reviews"),
    path("p/<slug:slug>/review/", views.review_write, name="review_write"),
    path("p/<slug:slug>/review/delete/", views.review_delete, name="review_delete"),
    path("reviews/<int:pk>/helpful/", views.review_helpful, name="review_helpful"),
    path("reviews/<int:pk>/report/", views.review_report, name="review_report"),
    path("reviews/<int:pk>/reply/", views.review_reply, name="review_reply"),
    path("reviews/<int:pk>/hide/", views.review_hide, name="review_hide"),
]
