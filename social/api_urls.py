from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from social.api import recommendations as friends_api
from social.api import reviews as reviews_api
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
    path("products/<slug:slug>/reviews/", reviews_api.ProductReviewsView.as_view(), name="product-reviews"),
    path("products/<slug:slug>/reviews/mine/", reviews_api.MyReviewView.as_view(), name="product-review-mine"),
    path("products/<slug:slug>/rating/", reviews_api.ProductRatingView.as_view(), name="product-rating"),
    path("reviews/<int:pk>/", reviews_api.ReviewDetailView.as_view(), name="review-detail"),
    path("reviews/<int:pk>/helpful/", reviews_api.ReviewHelpfulView.as_view(), name="review-helpful"),
    path("reviews/<int:pk>/report/", reviews_api.ReviewReportView.as_view(), name="review-report"),
    path("reviews/<int:pk>/reply/", reviews_api.ReviewReplyView.as_view(), name="review-reply"),
    path("reviews/<int:pk>/hide/", reviews_api.ReviewHideView.as_view(), name="review-hide"),
    path("reviews/<int:pk>/unhide/", reviews_api.ReviewUnhideView.as_view(), name="review-unhide"),
    # Friends: people you may know, friend proof, the shelf, recommendations, you may also like.
    path("people-you-may-know/", friends_api.PeopleYouMayKnowView.as_view(), name="people-you-may-know"),
    path(
        "people-you-may-know/<int:user_id>/dismiss/",
        friends_api.DismissSuggestionView.as_view(),
        name="people-you-may-know-dismiss",
    ),
    path("friends/", friends_api.FriendListView.as_view(), name="friends"),
    path("friends/shelf/", friends_api.FriendsShelfView.as_view(), name="friends-shelf"),
    path("products/<slug:slug>/friends/", friends_api.ProductFriendsView.as_view(), name="product-friends"),
    path("products/<slug:slug>/also-like/", friends_api.AlsoLikeView.as_view(), name="product-also-like"),
    path("recommendations/", friends_api.RecommendationCreateView.as_view(), name="recommendations"),
    path(
        "recommendations/received/", friends_api.ReceivedRecommendationsView.as_view(), name="recommendations-received"
    ),
    path(
        "recommendations/received/seen/",
        friends_api.ReceivedSeenView.as_view(),
        name="recommendations-received-seen",
    ),
    path("", include(router.urls)),
]
