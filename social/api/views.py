"""The social API's views: thin, over the same services and selectors as the HTML pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from catalog.models import Product
from shop.api import error_responses
from shop.cursors import BadCursor
from shop.models import User
from social import selectors, services
from social.api.permissions import IsAuthorOrReadOnly
from social.api.serializers import (
    CaptionSerializer,
    CommentPageSerializer,
    CommentSerializer,
    CommentWriteSerializer,
    CursorQuerySerializer,
    PostCreateSerializer,
    PostPageSerializer,
    PostSerializer,
    ProductTagSerializer,
    ProfilePageSerializer,
    ProfileSerializer,
    ProfileSummarySerializer,
    TagWriteSerializer,
)
from social.models import Comment, Post, PostImage, ProductTag, Profile
from social.selectors import Page

ID_PATTERN = r"\d+"
USERNAME_PATTERN = r"[\w.@+-]+"

POST_ID_PARAMETER = OpenApiParameter(
    "post_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The post's id.")
)
IMAGE_ID_PARAMETER = OpenApiParameter(
    "image_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The id of one of the post's pictures.")
)


class SocialAPIMixin:
    """What every social view shares: cursor pages, and the services' refusals as JSON errors."""

    # Set per action in ``throttle_scopes``: DRF's ScopedRateThrottle reads ``throttle_scope``.
    throttle_scopes: dict[str, str] = {}
    filter_backends = ()
    pagination_class = None

    def get_throttles(self):
        self.throttle_scope = self.throttle_scopes.get(getattr(self, "action", None) or self.request.method.lower())
        return super().get_throttles()

    def handle_exception(self, exc):
        if isinstance(exc, BadCursor):
            exc = exceptions.ValidationError(
                {"cursor": [_("This cursor is not valid: follow the `next` link of the previous page.")]}
            )
        elif isinstance(exc, DjangoPermissionDenied) and exc.args:
            # Keep the service's reason ("You cannot follow this account.") instead of DRF's generic text.
            exc = exceptions.PermissionDenied(str(exc.args[0]))
        return super().handle_exception(exc)

    def page_query(self) -> dict:
        """``cursor`` and, when asked for, ``limit``: keyword arguments for a selector's page."""
        query = CursorQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return {"cursor": None, **query.validated_data}

    def page_response(self, page: Page, serializer_class) -> Response:
        next_url = None
        if page.next_cursor:
            next_url = replace_query_param(self.request.build_absolute_uri(), "cursor", page.next_cursor)
        results = serializer_class(page.items, many=True, context=self.get_serializer_context()).data
        return Response({"results": results, "next": next_url})

    def post_data(self, pk: int) -> dict:
        post = selectors.post_detail(pk=pk, user=self.request.user)
        return PostSerializer(post, context=self.get_serializer_context()).data

    def profile_data(self, profile: Profile) -> dict:
        profile.relations = selectors.profile_relations(viewer=self.request.user, profile=profile)
        return ProfileSerializer(profile, context=self.get_serializer_context()).data


# --- Profiles, follows, blocks ------------------------------------------------------------


class ProfileViewSet(SocialAPIMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every person and every store has one profile: what is followed and what posts.
    Posts name it (``profile.id``); ``/users/{username}/`` and ``/stores/{slug}/profile/`` find it by name."""

    serializer_class = ProfileSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Profile.objects.none()
        return Profile.objects.filter(Q(user__is_active=True) | Q(store__is_active=True)).select_related(
            "user", "store"
        )

    @extend_schema(
        summary=_("A profile, with its counts and how you stand to it"),
        responses={200: ProfileSerializer, **error_responses(404)},
    )
    def retrieve(self, request, pk):
        return Response(self.profile_data(self.get_object()))

    @extend_schema(
        summary=_("Follow a person or a store"),
        request=None,
        responses={204: None, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def follow(self, request, pk):
        """Idempotent. Nobody follows themselves or their own store (400); a block between you and
        the person behind the profile forbids it (403)."""
        services.follow(follower=request.user, profile=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary=_("Stop following"), request=None, responses={204: None, **error_responses(401, 404)})
    @follow.mapping.delete
    def unfollow(self, request, pk):
        """Idempotent."""
        services.unfollow(follower=request.user, profile=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=_("Who follows a profile, newest first"),
        parameters=[CursorQuerySerializer],
        responses={200: ProfilePageSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["get"])
    def followers(self, request, pk):
        page = selectors.followers_of(profile=self.get_object(), **self.page_query())
        return self.page_response(
            Page([user.profile for user in page.items], page.next_cursor), ProfileSummarySerializer
        )

    @extend_schema(
        summary=_("Whom a person follows, newest first"),
        parameters=[CursorQuerySerializer],
        responses={200: ProfilePageSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["get"])
    def following(self, request, pk):
        """Stores follow nobody: their list is empty."""
        profile = self.get_object()
        query = self.page_query()
        page = Page([], None) if profile.is_store else selectors.following_of(user=profile.user, **query)
        return self.page_response(page, ProfileSummarySerializer)

    @extend_schema(
        summary=_("A profile's posts, newest first"),
        parameters=[CursorQuerySerializer],
        responses={200: PostPageSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["get"])
    def posts(self, request, pk):
        """Empty when a block stands between you and the person behind the profile."""
        page = selectors.profile_posts(profile=self.get_object(), user=request.user, **self.page_query())
        return self.page_response(page, PostSerializer)


class UserViewSet(SocialAPIMixin, viewsets.GenericViewSet):
    """People, by username: their profile, and blocking them."""

    serializer_class = ProfileSerializer
    lookup_field = "username"
    lookup_value_regex = USERNAME_PATTERN

    def get_queryset(self):
        return User.objects.filter(is_active=True)

    @extend_schema(summary=_("A person's profile"), responses={200: ProfileSerializer, **error_responses(404)})
    def retrieve(self, request, username):
        return Response(self.profile_data(selectors.user_profile(username=username)))

    @extend_schema(summary=_("Block a person"), request=None, responses={204: None, **error_responses(400, 401, 404)})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def block(self, request, username):
        """Idempotent. Follows between you end, in both directions (their stores included); they can no
        longer follow you or see your posts, and you no longer see theirs."""
        blocked = selectors.user_profile(username=username).user
        services.block(blocker=request.user, blocked=blocked)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary=_("Unblock a person"), request=None, responses={204: None, **error_responses(401, 404)})
    @block.mapping.delete
    def unblock(self, request, username):
        """Idempotent. Follows ended by the block do not come back."""
        services.unblock(blocker=request.user, blocked=selectors.user_profile(username=username).user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StoreProfileView(SocialAPIMixin, generics.GenericAPIView):
    serializer_class = ProfileSerializer

    @extend_schema(
        summary=_("A store's profile"),
        parameters=[
            OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The store's slug."))
        ],
        responses={200: ProfileSerializer, **error_responses(404)},
    )
    def get(self, request, slug):
        return Response(self.profile_data(selectors.store_profile(slug=slug)))


# --- Posts ---------------------------------------------------------------------------------


class PostViewSet(SocialAPIMixin, viewsets.GenericViewSet):
    """Posts. Reading is public (minus posts hidden by staff and posts across a block, which are 404);
    publishing needs a login; changing or deleting a post is for its author (403)."""

    serializer_class = PostSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsAuthorOrReadOnly]
    lookup_value_regex = ID_PATTERN
    throttle_scopes = {"create": "posting"}

    def get_queryset(self):
        """What the viewer can see; object permissions then keep writes to the author (403 vs 404)."""
        if getattr(self, "swagger_fake_view", False):
            return Post.objects.none()
        return Post.objects.visible_to(self.request.user).select_related("profile")

    @extend_schema(
        summary=_("Publish a post"),
        request={"multipart/form-data": PostCreateSerializer},
        responses={201: PostSerializer, **error_responses(400, 401, 403)},
    )
    def create(self, request):
        """Multipart: 1 to 10 `images`, a `caption`, optionally the `profile` to post as (your store's;
        anyone else's is a 403) and `tags` as a JSON list. A store tags only its own active products, a
        person any active product; a tag outside 0..1 or on a product you may not tag is a 400.
        Rate-limited per user (scope `posting`)."""
        data = PostCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        post = services.create_post(author=request.user, **data.validated_data)
        location = reverse("api:post-detail", kwargs={"pk": post.pk})
        return Response(self.post_data(post.pk), status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        summary=_("One post with its pictures, tagged products and counts"),
        responses={200: PostSerializer, **error_responses(404)},
    )
    def retrieve(self, request, pk):
        return Response(self.post_data(pk))

    @extend_schema(
        summary=_("Change a post's caption"),
        request=CaptionSerializer,
        responses={200: PostSerializer, **error_responses(400, 401, 403, 404)},
    )
    def partial_update(self, request, pk):
        """Author only. Only the caption can change; hashtags and mentions follow it."""
        post = self.get_object()
        data = CaptionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.edit_caption(post=post, editor=request.user, caption=data.validated_data["caption"])
        return Response(self.post_data(post.pk))

    @extend_schema(summary=_("Delete a post"), responses={204: None, **error_responses(401, 403, 404)})
    def destroy(self, request, pk):
        """Author only. Its pictures, tags, likes and comments go with it."""
        services.delete_post(post=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary=_("Like a post"), request=None, responses={204: None, **error_responses(401, 404)})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def like(self, request, pk):
        """Idempotent: a second like changes nothing."""
        services.like(user=request.user, post=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary=_("Unlike a post"), request=None, responses={204: None, **error_responses(401, 404)})
    @like.mapping.delete
    def unlike(self, request, pk):
        services.unlike(user=request.user, post=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=_("Save a post to your Saved list"), request=None, responses={204: None, **error_responses(401, 404)}
    )
    @action(detail=True, methods=["post"], url_path="save", permission_classes=[permissions.IsAuthenticated])
    def save_post(self, request, pk):
        """Idempotent. The Saved list is private."""
        services.save_post(user=request.user, post=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=_("Remove a post from your Saved list"),
        request=None,
        responses={204: None, **error_responses(401, 404)},
    )
    @save_post.mapping.delete
    def unsave_post(self, request, pk):
        services.unsave_post(user=request.user, post=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostPartMixin(SocialAPIMixin):
    """Base of a post's comments and tags: the post must be visible to the caller (else 404)."""

    lookup_value_regex = ID_PATTERN
    current_post: Post

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        visible = Post.objects.visible_to(request.user).select_related("profile")
        self.current_post = get_object_or_404(visible, pk=kwargs["post_pk"])


@extend_schema(parameters=[POST_ID_PARAMETER])
class CommentViewSet(PostPartMixin, viewsets.GenericViewSet):
    """A post's comments, with one level of replies."""

    serializer_class = CommentSerializer
    throttle_scopes = {"create": "commenting"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return Comment.objects.filter(post=self.current_post).select_related("parent")

    def get_object(self):
        comment = super().get_object()
        comment.post = self.current_post
        return comment

    @extend_schema(
        summary=_("A post's comments, oldest first, with their replies"),
        parameters=[CursorQuerySerializer],
        responses={200: CommentPageSerializer, **error_responses(400, 404)},
    )
    def list(self, request, post_pk):
        return self.page_response(
            selectors.comments_for(post=self.current_post, **self.page_query()), CommentSerializer
        )

    @extend_schema(
        summary=_("Comment on a post, or reply to a comment"),
        request=CommentWriteSerializer,
        responses={201: CommentSerializer, **error_responses(400, 401, 404)},
    )
    def create(self, request, post_pk):
        """A reply to a reply joins the same thread. Rate-limited per user (scope `commenting`)."""
        data = CommentWriteSerializer(
            data=request.data, context={**self.get_serializer_context(), "post": self.current_post}
        )
        data.is_valid(raise_exception=True)
        comment = services.add_comment(author=request.user, post=self.current_post, **data.validated_data)
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Delete a comment"), responses={204: None, **error_responses(401, 403, 404)})
    def destroy(self, request, post_pk, pk):
        """By its author, or by the post's author (or the owner of the store it was posted as).
        Its replies go with it."""
        services.delete_comment(comment=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=_("Hide a comment (moderation)"), request=None, responses={204: None, **error_responses(401, 403, 404)}
    )
    @action(detail=True, methods=["post"])
    def hide(self, request, post_pk, pk):
        """For the post's author, the owner of the store it was posted as, and staff. Its replies are
        hidden with it."""
        services.hide_comment(comment=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=_("Show a hidden comment again"), request=None, responses={204: None, **error_responses(401, 403, 404)}
    )
    @hide.mapping.delete
    def unhide(self, request, post_pk, pk):
        services.unhide_comment(comment=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[POST_ID_PARAMETER, IMAGE_ID_PARAMETER])
class PostTagViewSet(PostPartMixin, viewsets.GenericViewSet):
    """The product tags on one of a post's pictures. Author only."""

    serializer_class = ProductTagSerializer
    permission_classes = [permissions.IsAuthenticated, IsAuthorOrReadOnly]
    image: PostImage

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.image = get_object_or_404(PostImage.objects.filter(post=self.current_post), pk=kwargs["image_pk"])
        self.image.post = self.current_post
        self.check_object_permissions(request, self.current_post)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProductTag.objects.none()
        return ProductTag.objects.filter(image=self.image).select_related("post")

    @extend_schema(
        summary=_("Tag a product on a picture"),
        request=TagWriteSerializer,
        responses={201: ProductTagSerializer, **error_responses(400, 401, 403, 404)},
    )
    def create(self, request, post_pk, image_pk):
        """A store tags only its own active products; a person any active product. x and y go from 0
        to 1 from the top-left corner. Tagging a product already on the picture moves its tag."""
        data = TagWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        tag = services.tag_product(actor=request.user, image=self.image, **data.validated_data)
        post = selectors.post_detail(pk=self.current_post.pk, user=request.user)
        tag = next(each for each in post.product_tags if each.pk == tag.pk)
        return Response(self.get_serializer(tag).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Remove a tag"), responses={204: None, **error_responses(401, 403, 404)})
    def destroy(self, request, post_pk, image_pk, pk):
        tag = self.get_object()
        tag.post = self.current_post
        services.remove_tag(actor=request.user, tag=tag)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Feeds and lists of posts ---------------------------------------------------------------


class PostPageView(SocialAPIMixin, generics.GenericAPIView):
    """A cursor page of posts; subclasses say which."""

    serializer_class = PostSerializer

    def get(self, request, **kwargs):
        page = self.get_page(**self.page_query(), **kwargs)
        # Feeds select rows; the API shows each as a whole card.
        cards = selectors.post_cards(posts=page.items, user=request.user)
        return self.page_response(Page(cards, page.next_cursor), PostSerializer)

    def get_page(self, **kwargs) -> Page:
        """The page, from ``cursor``, ``limit`` (when asked for) and the URL's arguments."""
        raise NotImplementedError


PAGE_RESPONSES = {200: PostPageSerializer, **error_responses(400)}


@extend_schema(
    summary=_("Following: posts of the people and stores you follow, newest first"),
    parameters=[CursorQuerySerializer],
    responses={**PAGE_RESPONSES, **error_responses(401)},
)
class FollowingFeedView(PostPageView):
    permission_classes = [permissions.IsAuthenticated]

    def get_page(self, **query):
        return selectors.following_feed(user=self.request.user, **query)


@extend_schema(
    summary=_("For you: discovery ranked by recent engagement and your friends' likes"),
    description=_("Open to everyone. Never shows your own posts."),
    parameters=[CursorQuerySerializer],
    responses=PAGE_RESPONSES,
)
class ForYouFeedView(PostPageView):
    permission_classes = [permissions.AllowAny]

    def get_page(self, **query):
        return selectors.for_you_feed(user=self.request.user, **query)


@extend_schema(
    summary=_("Your Saved list, most recently saved first"),
    description=_("Private: only ever your own."),
    parameters=[CursorQuerySerializer],
    responses={**PAGE_RESPONSES, **error_responses(401)},
)
class SavedPostsView(PostPageView):
    permission_classes = [permissions.IsAuthenticated]

    def get_page(self, **query):
        return selectors.saved_posts(user=self.request.user, **query)


@extend_schema(
    summary=_("Posts with a hashtag, newest first"),
    parameters=[
        OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The hashtag, without the #.")),
        CursorQuerySerializer,
    ],
    responses={**PAGE_RESPONSES, **error_responses(404)},
)
class HashtagPostsView(PostPageView):
    def get_page(self, *, name, **query):
        _hashtag, page = selectors.hashtag_feed(name=name, user=self.request.user, **query)
        return page


@extend_schema(
    summary=_("Seen in posts: posts that tag a product, newest first"),
    parameters=[
        OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The product's slug.")),
        CursorQuerySerializer,
    ],
    responses={**PAGE_RESPONSES, **error_responses(404)},
)
class ProductPostsView(PostPageView):
    def get_page(self, *, slug, **query):
        product = get_object_or_404(Product.objects.visible_to(self.request.user), slug=slug)
        return selectors.posts_tagging_page(product=product, user=self.request.user, **query)
