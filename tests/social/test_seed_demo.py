"""``manage.py seed_demo``, social side: posts with tagged products from every store and from
shoppers, follows, likes, comments and saves, made through the services so every counter is right."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from catalog.demo.seed import seed_demo
from catalog.demo.specs import SHOPPERS
from catalog.demo.stores import STORES
from catalog.models import Product, ProductImage, Store
from shop.models import User
from social.demo.content import SHOPPER_POSTS, STORE_POSTS
from social.demo.seed import seed_social
from social.models import Comment, FeedEntry, Follow, Hashtag, Like, Mention, Post, PostImage, ProductTag, Profile, Save

pytestmark = pytest.mark.django_db

SELLER_EMAIL = "seller@demo.etalase.id"


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def social_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Profile, Follow, Post, PostImage, ProductTag, Like, Comment, Save, Hashtag, Mention, FeedEntry)
    }


def snapshot() -> dict[str, set]:
    """The social graph by names and texts, not ids, to compare two seeds."""
    return {
        "follows": set(
            Follow.objects.values_list("follower__username", "followee__user__username", "followee__store__slug")
        ),
        "posts": set(Post.objects.values_list("profile__store__slug", "author__username", "caption", "like_count")),
        "tags": set(ProductTag.objects.values_list("post__caption", "image__position", "product__slug", "x", "y")),
        "likes": set(Like.objects.values_list("user__username", "post__caption")),
        "comments": set(Comment.objects.values_list("author__username", "post__caption", "body", "parent__body")),
        "saves": set(Save.objects.values_list("user__username", "post__caption")),
    }


def assert_counters_are_exact() -> None:
    for profile in Profile.objects.all():
        following = Follow.objects.filter(follower_id=profile.user_id).count() if profile.user_id else 0
        assert profile.follower_count == profile.followers.count(), profile
        assert profile.following_count == following, profile
        assert profile.post_count == profile.posts.count(), profile
    replies_hidden_with_parent = Q(comments__parent__is_hidden=True)
    posts = Post.objects.annotate(
        likes_n=Count("likes", distinct=True),
        saves_n=Count("saves", distinct=True),
        comments_n=Count("comments", filter=Q(comments__is_hidden=False) & ~replies_hidden_with_parent, distinct=True),
    )
    for post in posts:
        assert (post.like_count, post.save_count, post.comment_count) == (post.likes_n, post.saves_n, post.comments_n)


def test_a_small_seed_has_posts_from_every_store_and_shoppers_with_exact_counters_and_runs_twice_the_same():
    # given a smaller seed first
    seed("--products-per-store=1", "--quiet")
    first = set(Post.objects.values_list("pk", flat=True))
    assert first

    # when a larger one runs: it keeps those posts and adds the ones it now has products for
    output = seed("--products-per-store=3")
    assert first < set(Post.objects.values_list("pk", flat=True))

    # then: every store posts its own products, with tags on the products' own pictures
    for store in Store.objects.all():
        posts = Post.objects.filter(profile__store=store)
        assert posts.exists(), store.slug
        assert all(post.author_id == store.owner_id for post in posts)
        tags = ProductTag.objects.filter(post__in=posts)
        assert tags.exists() and not tags.exclude(product__store=store).exists()
    # shoppers post "what I bought", tagging any active product
    shopper_posts = Post.objects.filter(profile__user__isnull=False)
    assert shopper_posts.count() >= 5
    assert not shopper_posts.filter(tags__isnull=True).exists()
    assert not ProductTag.objects.exclude(product__status=Product.Status.ACTIVE).exists()
    assert not ProductTag.objects.filter(Q(x__lt=0) | Q(x__gt=1) | Q(y__lt=0) | Q(y__gt=1)).exists()
    assert all(1 <= post.images.count() <= 4 for post in Post.objects.all())
    assert Hashtag.objects.filter(name="lokalpride").exists() and Mention.objects.exists()

    # people follow stores and each other, some both ways (friends); they like, comment, reply, save
    shopper = User.objects.get(email="ani@demo.etalase.id")
    assert Follow.objects.filter(follower=shopper, followee__store__isnull=False).count() in range(2, 5)
    follows_back = Follow.objects.filter(follower=OuterRef("followee__user"), followee__user=OuterRef("follower"))
    assert Follow.objects.filter(Exists(follows_back)).count() >= 10
    assert Like.objects.count() >= 50
    assert Comment.objects.filter(parent__isnull=True).count() >= 10
    assert Comment.objects.filter(parent__isnull=False).exists()
    assert Save.objects.exists()
    assert_counters_are_exact()

    # published over the last three weeks; likes and comments came after the post
    newest, oldest = Post.objects.order_by("-created_at")[0], Post.objects.order_by("created_at")[0]
    now = timezone.now()
    assert now - newest.created_at < timedelta(days=2) and now - oldest.created_at > timedelta(days=10)
    assert now - oldest.created_at < timedelta(days=22)
    assert not Like.objects.filter(created_at__lt=F("post__created_at")).exists()
    assert not Comment.objects.filter(created_at__lt=F("post__created_at")).exists()
    assert not Comment.objects.filter(created_at__lt=F("parent__created_at")).exists()
    # the For you ranking sees the backdated times: a fresh post outranks an equally liked old one
    assert newest.hot_score > oldest.hot_score

    # the seller demo login has a Following feed, built once
    seller = User.objects.get(email=SELLER_EMAIL)
    assert seller.profile.feed_built_at is not None
    assert FeedEntry.objects.filter(owner=seller).count() >= 5
    assert "Social: created" in output

    # when it runs again
    before, graph = social_counts(), snapshot()
    output = seed("--products-per-store=3")

    # then nothing changes
    assert social_counts() == before and snapshot() == graph
    assert "Social: created nothing" in output


def test_the_seed_is_deterministic():
    # given a first seed, and the same seed again on a clean social slate
    seed("--products-per-store=1", "--quiet")
    first = snapshot()
    for model in (Post, Follow, FeedEntry, Hashtag):
        model.objects.all().delete()
    Profile.objects.update(follower_count=0, following_count=0, post_count=0, feed_built_at=None)

    # when
    seed("--products-per-store=1", "--quiet")

    # then
    assert snapshot() == first
    assert first["posts"] and first["likes"] and first["comments"]


def test_post_pictures_reuse_the_products_pictures_and_renditions(django_capture_on_commit_callbacks):
    # given a shop whose product pictures have their renditions (made after each product's commit)
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo(products_per_store=1)
    assert all(image.renditions_ready for image in ProductImage.objects.all())

    # when
    with django_capture_on_commit_callbacks(execute=True):
        seed_social()

    # then every post picture is a copy of a product picture, renditions included
    product_displays = {image.display.read() for image in ProductImage.objects.all()}
    pictures = list(PostImage.objects.all())
    assert pictures
    for picture in pictures:
        assert picture.renditions_ready and picture.width == 800 and picture.alt_text
        assert picture.display.read() in product_displays
        assert picture.image.name.startswith("posts/originals/") and picture.display.name.startswith("posts/")


def test_without_products_there_are_follows_but_no_posts():
    assert seed("--products-per-store=0", "--quiet") == ""
    assert Post.objects.count() == 0
    assert Follow.objects.count() >= 2 * len(SHOPPERS)


@pytest.mark.slow
def test_the_full_seed_gives_every_store_three_to_six_posts_and_shoppers_about_fifteen():
    # when
    seed("--quiet")
    # then
    for store in STORES:
        count = Post.objects.filter(profile__store__slug=store.slug).count()
        assert 3 <= count <= 6 and count == len(STORE_POSTS[store.slug]), store.slug
    assert Post.objects.filter(profile__user__isnull=False).count() == len(SHOPPER_POSTS) >= 12
    seller = User.objects.get(email=SELLER_EMAIL)
    assert FeedEntry.objects.filter(owner=seller).count() >= 20
    assert_counters_are_exact()
