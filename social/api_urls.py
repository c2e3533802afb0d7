from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from social.api import views as api

# Mounted under /api/v1/ with the namespace "api" (shop/urls.py), beside the catalog's routes:
# /stores/{slug}/profile/ and /products/{slug}/posts/ are paths the catalog's router does not have.
router = SimpleRouter()
router.register("profiles", api.ProfileViewSet, basename="profile")
router.register("users", api.UserViewSet, basename="user")
router.register("posts", api.PostViewSet, basename="post")
router.register(r"posts/(?P<post_pk>\d+)/comments", api.CommentViewSet, basename="post-comment")
router.register(r"posts/(?P<post_pk>\d+)/images/(?P<image_pk>\d+)/tags", api.PostTagViewSet, basename="post-image-tag")

urlpatterns = [
    path("feed/following/", api.FollowingFeedView.as_view(), name="feed-following"),
    path("feed/for-you/", api.ForYouFeedView.as_view(), name="feed-for-you"),
    path("saved/", api.SavedPostsView.as_view(), name="saved"),
    re_path(r"^hashtags/(?P<name>\w{1,100})/posts/$", api.HashtagPostsView.as_view(), name="hashtag-posts"),
    path("stores/<slug:slug>/profile/", api.StoreProfileView.as_view(), name="store-profile"),
    path("products/<slug:slug>/posts/", api.ProductPostsView.as_view(), name="product-posts"),
    path("", include(router.urls)),
]
