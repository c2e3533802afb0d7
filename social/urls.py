from django.urls import path

from social import views

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
]
