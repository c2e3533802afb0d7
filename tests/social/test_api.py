"""The social REST API under /api/v1/: profiles, follows, blocks, posts and tags, likes, saves,
comments, feeds with cursors, permissions, validation, throttling."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from catalog.models import Product
from social import services
from social.models import Comment, Follow, Post, ProductTag
from tests.factories import ProductFactory, StoreFactory, UserFactory, VariantFactory, image_file, make_post

pytestmark = pytest.mark.django_db

API = "/api/v1"
POSTS = f"{API}/posts/"


def client_for(user=None) -> APIClient:
    """An API client logged in with a session (APIClient skips CSRF unless asked to enforce it)."""
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def post_url(post, suffix="") -> str:
    return f"{POSTS}{post.pk}/{suffix}"


def profile_url(profile, suffix="") -> str:
    return f"{API}/profiles/{profile.pk}/{suffix}"


def spoofed_jpeg() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")


def publish(client, *, images=1, **fields):
    """POST a new post as multipart; ``tags`` (a list) is sent as the JSON string the API expects."""
    data = {"images": [image_file(f"p{i}.jpg") for i in range(images)], **fields}
    if "tags" in data and not isinstance(data["tags"], str):
        data["tags"] = json.dumps(data["tags"])
    return client.post(POSTS, data, format="multipart")


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def walk(client, url) -> list[int]:
    """Every item of a cursor-paginated list, following the ``next`` links."""
    seen = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        seen += ids(response)
        url = response.json()["next"]
    return seen


@pytest.fixture
def now():
    return timezone.now()


# --- Profiles and follows --------------------------------------------------------------------


def test_following_a_store_counts_once_and_unfollowing_undoes_it():
    # given
    shopper, store = UserFactory(), StoreFactory(name="Batik Sari", slug="batik-sari")
    profile = services.profile_for_store(store=store)
    client = client_for(shopper)
    # when
    first = client.post(profile_url(profile, "follow/"))
    again = client.post(profile_url(profile, "follow/"))
    shown = client.get(f"{API}/stores/batik-sari/profile/").json()
    # then
    assert (first.status_code, again.status_code) == (204, 204)
    assert shown["id"] == profile.pk
    assert shown["kind"] == "store"
    assert shown["handle"] == "batik-sari"
    assert shown["name"] == "Batik Sari"
    assert shown["store"] == {"slug": "batik-sari", "name": "Batik Sari"}
    assert shown["username"] is None
    assert shown["web_url"] == "http://testserver/s/batik-sari/posts/"
    assert (shown["follower_count"], shown["is_following"], shown["is_friend"]) == (1, True, False)
    assert client.delete(profile_url(profile, "follow/")).status_code == 204
    assert client.delete(profile_url(profile, "follow/")).status_code == 204
    assert client.get(profile_url(profile)).json()["follower_count"] == 0
    assert not Follow.objects.exists()


def test_a_persons_profile_shows_counts_friendship_and_is_public():
    # given ani and budi follow each other
    ani, budi = UserFactory(username="ani"), UserFactory(username="budi", first_name="Budi", bio="Kopi.")
    services.follow(follower=ani, profile=services.profile_for_user(user=budi))
    services.follow(follower=budi, profile=services.profile_for_user(user=ani))
    make_post(budi)
    # when
    as_ani = client_for(ani).get(f"{API}/users/BUDI/").json()
    as_anonymous = client_for().get(f"{API}/users/budi/").json()
    own = client_for(budi).get(profile_url(budi.profile)).json()
    # then
    assert as_ani["username"] == "budi"
    assert as_ani["name"] == "Budi"
    assert as_ani["bio"] == "Kopi."
    assert as_ani["web_url"] == "http://testserver/@budi/"
    assert (as_ani["follower_count"], as_ani["following_count"], as_ani["post_count"]) == (1, 1, 1)
    assert (as_ani["is_following"], as_ani["is_friend"], as_ani["is_self"]) == (True, True, False)
    assert (as_anonymous["is_following"], as_anonymous["is_friend"]) == (False, False)
    assert own["is_self"] is True and own["is_following"] is False


def test_unknown_and_inactive_profiles_are_404():
    # given
    UserFactory(username="gone", is_active=False)
    closed = StoreFactory(slug="closed", is_active=False)
    client = client_for()
    # then
    assert client.get(f"{API}/users/nobody/").status_code == 404
    assert client.get(f"{API}/users/gone/").status_code == 404
    assert client.get(f"{API}/stores/closed/profile/").status_code == 404
    assert client.get(profile_url(services.profile_for_store(store=closed))).status_code == 404
    assert client.get(f"{API}/profiles/99999999999999999999/").status_code == 404


def test_following_needs_a_login_and_nobody_follows_themselves_or_their_store():
    # given
    store = StoreFactory()
    owner = client_for(store.owner)
    # when / then
    assert client_for().post(profile_url(services.profile_for_store(store=store), "follow/")).status_code == 401
    own = owner.post(profile_url(services.profile_for_user(user=store.owner), "follow/"))
    assert own.status_code == 400
    assert own.json() == {"detail": ["You cannot follow yourself."]}
    assert owner.post(profile_url(services.profile_for_store(store=store), "follow/")).status_code == 400
    assert not Follow.objects.exists()


def test_followers_and_following_are_cursor_pages_of_profiles():
    # given a store followed by three people, one of whom also follows a person
    store = StoreFactory()
    store_profile = services.profile_for_store(store=store)
    fans = [UserFactory() for _ in range(3)]
    for fan in fans:
        services.follow(follower=fan, profile=store_profile)
    friend = UserFactory()
    services.follow(follower=fans[0], profile=services.profile_for_user(user=friend))
    client = client_for()
    # when
    first = client.get(profile_url(store_profile, "followers/"), {"limit": 2})
    followers = walk(client, f"http://testserver{profile_url(store_profile, 'followers/')}?limit=2")
    following = client.get(profile_url(fans[0].profile, "following/")).json()
    # then
    assert len(first.json()["results"]) == 2
    assert first.json()["next"].startswith("http://testserver/api/v1/profiles/")
    assert "limit=2" in first.json()["next"]
    assert followers == [fan.profile.pk for fan in reversed(fans)]
    assert [(p["kind"], p["id"]) for p in following["results"]] == [
        ("user", friend.profile.pk),
        ("store", store_profile.pk),
    ]
    assert following["next"] is None
    assert client.get(profile_url(store_profile, "following/")).json() == {"results": [], "next": None}


def test_follower_lists_take_the_same_queries_for_few_and_many():
    # given
    store_profile = services.profile_for_store(store=StoreFactory())
    client = client_for()
    url = profile_url(store_profile, "followers/")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for _ in range(2):
        services.follow(follower=UserFactory(), profile=store_profile)
    few = queries()
    for _ in range(6):
        services.follow(follower=UserFactory(), profile=store_profile)
    # then
    assert queries() == few


# --- Blocks ------------------------------------------------------------------------------------


def test_blocked_people_get_404_on_each_others_posts_and_403_on_follow():
    # given budi and ani's posts; ani blocks budi
    ani, budi = UserFactory(username="ani"), UserFactory(username="budi")
    anis_post, budis_post = make_post(ani), make_post(budi)
    ani_client, budi_client = client_for(ani), client_for(budi)
    # when
    blocked = ani_client.post(f"{API}/users/budi/block/")
    # then
    assert blocked.status_code == 204
    assert budi_client.get(post_url(anis_post)).status_code == 404
    assert ani_client.get(post_url(budis_post)).status_code == 404
    assert budi_client.post(post_url(anis_post, "like/")).status_code == 404
    assert budi_client.get(post_url(anis_post, "comments/")).status_code == 404
    assert budi_client.post(post_url(anis_post, "comments/"), {"body": "hi"}).status_code == 404
    assert budi_client.patch(post_url(anis_post), {"caption": "x"}).status_code == 404
    follow = budi_client.post(profile_url(ani.profile, "follow/"))
    assert follow.status_code == 403
    assert follow.json() == {"detail": "You cannot follow this account."}
    assert ids(budi_client.get(profile_url(ani.profile, "posts/"))) == []
    assert ani_client.get(f"{API}/users/budi/").json()["is_blocked"] is True
    assert client_for().get(post_url(anis_post)).status_code == 200


def test_unblocking_shows_the_posts_again_and_blocking_yourself_is_refused():
    # given
    ani, budi = UserFactory(username="ani"), UserFactory(username="budi")
    post = make_post(ani)
    services.block(blocker=ani, blocked=budi)
    ani_client = client_for(ani)
    # when
    response = ani_client.delete(f"{API}/users/budi/block/")
    # then
    assert response.status_code == 204
    assert client_for(budi).get(post_url(post)).status_code == 200
    assert ani_client.post(f"{API}/users/ani/block/").status_code == 400
    assert client_for().post(f"{API}/users/budi/block/").status_code == 401
    assert ani_client.post(f"{API}/users/nobody/block/").status_code == 404


# --- Publishing ----------------------------------------------------------------------------------


def test_a_shopper_publishes_pictures_with_a_caption_and_tags_on_any_active_product():
    # given
    shopper = UserFactory(username="wulan")
    kopi = ProductFactory(title="Kopi Gayo", slug="kopi-gayo")
    VariantFactory(product=kopi, price=15_000_000, stock=3)
    batik = ProductFactory(slug="batik-tulis")
    client = client_for(shopper)
    # when
    response = publish(
        client,
        images=2,
        caption="Pagi ini #Kopi dan #batik",
        alt_texts=["A cup", "A cloth"],
        tags=[
            {"image": 1, "product": "kopi-gayo", "x": 0.25, "y": 0.75},
            {"image": 0, "product": batik.pk, "x": 0, "y": 1},
        ],
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    post = Post.objects.get()
    assert response["Location"] == f"/api/v1/posts/{post.pk}/"
    assert body["id"] == post.pk
    assert body["url"] == f"http://testserver/api/v1/posts/{post.pk}/"
    assert body["web_url"] == f"http://testserver/posts/{post.pk}/"
    assert body["profile"]["kind"] == "user" and body["profile"]["handle"] == "wulan"
    assert body["author"] == {"username": "wulan", "name": "wulan"}
    assert body["caption"] == "Pagi ini #Kopi dan #batik"
    assert body["hashtags"] == ["kopi", "batik"]
    assert [image["alt"] for image in body["images"]] == ["A cup", "A cloth"]
    assert body["images"][0]["original"].startswith("http://testserver/media/posts/originals/")
    assert body["images"][0]["width"] == 64
    kopi_tag = body["images"][1]["tags"][0]
    assert (kopi_tag["x"], kopi_tag["y"]) == (0.25, 0.75)
    assert kopi_tag["product"]["slug"] == "kopi-gayo"
    assert kopi_tag["product"]["title"] == "Kopi Gayo"
    assert kopi_tag["product"]["price"] == 15_000_000
    assert kopi_tag["product"]["currency"] == "IDR"
    assert kopi_tag["product"]["price_display"] == "IDR150,000"
    assert kopi_tag["product"]["in_stock"] is True
    assert kopi_tag["product"]["url"] == "http://testserver/api/v1/products/kopi-gayo/"
    assert body["images"][0]["tags"][0]["product"]["slug"] == "batik-tulis"
    assert body["images"][0]["tags"][0]["product"]["price"] is None
    assert sorted(product["slug"] for product in body["products"]) == ["batik-tulis", "kopi-gayo"]
    assert (body["like_count"], body["comment_count"], body["save_count"]) == (0, 0, 0)
    assert (body["viewer_liked"], body["viewer_saved"], body["viewer_is_author"]) == (False, False, True)
    assert sorted(post.hashtags.values_list("name", flat=True)) == ["batik", "kopi"]


def test_a_store_owner_posts_as_the_store_tagging_its_own_products():
    # given
    store = StoreFactory(slug="batik-sari")
    product = ProductFactory(store=store)
    store_profile = services.profile_for_store(store=store)
    # when
    response = publish(
        client_for(store.owner),
        profile=store_profile.pk,
        tags=[{"image": 0, "product": product.slug, "x": 0.5, "y": 0.5}],
    )
    # then
    assert response.status_code == 201, response.content
    assert response.json()["profile"]["kind"] == "store"
    assert response.json()["profile"]["handle"] == "batik-sari"
    assert Post.objects.get().profile == store_profile


def test_posting_as_a_profile_that_is_not_yours_is_403_and_publishes_nothing():
    # given
    me, someone = UserFactory(), UserFactory()
    their_store = StoreFactory()
    client = client_for(me)
    # when
    as_person = publish(client, profile=services.profile_for_user(user=someone).pk)
    as_store = publish(client, profile=services.profile_for_store(store=their_store).pk)
    # then
    assert as_person.status_code == 403
    assert as_person.json() == {"detail": "You cannot post for this profile."}
    assert as_store.status_code == 403
    assert not Post.objects.exists()


def test_anonymous_visitors_cannot_publish():
    assert publish(client_for()).status_code == 401
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    "case,message",
    [
        ("outside", "A tag's position must be between 0 and 1 (x and y)."),
        ("other_store", "A store can tag only its own products."),
        ("own_draft", "is not on sale, so it cannot be tagged."),
        ("others_draft", "There is no product"),
        ("unknown", "There is no product"),
        ("nul", "Null characters are not allowed."),
        ("no_such_picture", "A tag points at a picture the post does not have."),
        ("missing_y", "Tag 1, y: This field is required."),
        ("not_a_list", "Send the tags as a JSON list of objects with image, product, x and y."),
    ],
)
def test_invalid_tags_are_a_400_with_a_message_and_publish_nothing(case, message):
    # given a store owner posting as their store
    store = StoreFactory()
    own = ProductFactory(store=store, slug="own")
    ProductFactory(slug="elsewhere")
    ProductFactory(store=store, slug="own-draft", status=Product.Status.DRAFT)
    ProductFactory(slug="their-draft", status=Product.Status.DRAFT)
    tags = {
        "outside": [{"image": 0, "product": "own", "x": 1.5, "y": 0.5}],
        "other_store": [{"image": 0, "product": "elsewhere", "x": 0.5, "y": 0.5}],
        "own_draft": [{"image": 0, "product": "own-draft", "x": 0.5, "y": 0.5}],
        "others_draft": [{"image": 0, "product": "their-draft", "x": 0.5, "y": 0.5}],
        "unknown": [{"image": 0, "product": 99999999999999999999, "x": 0.5, "y": 0.5}],
        "nul": [{"image": 0, "product": "own\x00", "x": 0.5, "y": 0.5}],
        "no_such_picture": [{"image": 3, "product": own.pk, "x": 0.5, "y": 0.5}],
        "missing_y": [{"image": 0, "product": own.pk, "x": 0.5}],
        "not_a_list": {"image": 0},
    }[case]
    # when
    response = publish(client_for(store.owner), profile=services.profile_for_store(store=store).pk, tags=tags)
    # then
    assert response.status_code == 400
    assert list(response.json()) == ["tags"]
    assert message in response.json()["tags"][0]
    assert not Post.objects.exists()


def test_tags_that_are_not_json_are_refused():
    response = publish(client_for(UserFactory()), tags="[{image: 0")
    assert response.status_code == 400
    assert response.json() == {"tags": ["Value must be valid JSON."]}


@pytest.mark.parametrize(
    "images,field",
    [
        ([spoofed_jpeg], "images"),
        ([], "images"),
        ([image_file] * 11, "images"),
    ],
)
def test_pictures_are_verified_and_counted(images, field):
    # when
    response = client_for(UserFactory()).post(
        POSTS, {"images": [make() for make in images], "caption": "x"}, format="multipart"
    )
    # then
    assert response.status_code == 400
    assert field in response.json()
    assert not Post.objects.exists()


def test_a_spoofed_jpeg_among_good_pictures_is_named_in_the_error():
    response = client_for(UserFactory()).post(POSTS, {"images": [image_file(), spoofed_jpeg()]}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {
        "images": [
            "Picture 2: This file is not a JPEG, PNG or WebP image. Please upload a photo in one of those formats."
        ]
    }
    assert not Post.objects.exists()


def test_a_caption_or_alt_text_with_a_nul_byte_and_a_bad_profile_are_refused():
    client = client_for(UserFactory())
    assert publish(client, caption="a\x00b").status_code == 400
    assert publish(client, caption="x" * 2201).status_code == 400
    # refused by the API's parser (shop.api_parsers), before any field
    assert publish(client, alt_texts=["fine", "a\x00b"]).json() == {"alt_texts": ["Null characters are not allowed."]}
    assert publish(client, profile="abc").status_code == 400
    assert publish(client, profile=99999999999999999999).status_code == 400
    assert not Post.objects.exists()


# --- Reading, editing, deleting ---------------------------------------------------------------------


def test_a_post_shows_the_viewers_like_and_save_and_public_counts():
    # given
    viewer = UserFactory()
    post = make_post(caption="Hello")
    services.like(user=viewer, post=post)
    services.save_post(user=viewer, post=post)
    # when
    mine = client_for(viewer).get(post_url(post)).json()
    anonymous = client_for().get(post_url(post)).json()
    # then
    assert (mine["viewer_liked"], mine["viewer_saved"], mine["viewer_is_author"]) == (True, True, False)
    assert (mine["like_count"], mine["save_count"]) == (1, 1)
    assert (anonymous["viewer_liked"], anonymous["viewer_saved"]) == (False, False)
    assert anonymous["like_count"] == 1


def test_hidden_and_unknown_posts_are_404():
    # given
    post = make_post()
    services.hide_post(post=post)
    # then
    assert client_for(post.author).get(post_url(post)).status_code == 404
    assert client_for().get(f"{POSTS}12345/").status_code == 404
    assert client_for().get(f"{POSTS}99999999999999999999/").status_code == 404


def test_the_author_edits_the_caption_and_hashtags_follow():
    # given
    post = make_post(caption="Old #lama")
    # when
    response = client_for(post.author).patch(post_url(post), {"caption": "New #baru"}, format="json")
    # then
    assert response.status_code == 200
    assert response.json()["caption"] == "New #baru"
    assert response.json()["hashtags"] == ["baru"]
    post.refresh_from_db()
    assert post.caption == "New #baru" and post.edited_at is not None
    assert list(post.hashtags.values_list("name", flat=True)) == ["baru"]


def test_only_the_author_edits_or_deletes_a_post_and_nothing_changes_otherwise():
    # given
    post = make_post(caption="Mine")
    stranger = client_for(UserFactory())
    # when
    edit = stranger.patch(post_url(post), {"caption": "Yours"}, format="json")
    delete = stranger.delete(post_url(post))
    anonymous_edit = client_for().patch(post_url(post), {"caption": "Yours"}, format="json")
    anonymous_delete = client_for().delete(post_url(post))
    # then
    assert edit.status_code == 403
    assert edit.json() == {"detail": "Only the author can change this post."}
    assert delete.status_code == 403
    assert (anonymous_edit.status_code, anonymous_delete.status_code) == (401, 401)
    post.refresh_from_db()
    assert post.caption == "Mine" and post.edited_at is None


def test_a_post_you_cannot_see_is_404_for_edit_and_delete():
    # given a post whose author blocked the caller
    post = make_post(caption="Mine")
    blocked = UserFactory()
    services.block(blocker=post.author, blocked=blocked)
    client = client_for(blocked)
    # then
    assert client.patch(post_url(post), {"caption": "x"}, format="json").status_code == 404
    assert client.delete(post_url(post)).status_code == 404
    assert Post.objects.filter(pk=post.pk, caption="Mine").exists()


def test_the_author_deletes_a_post(django_capture_on_commit_callbacks):
    # given
    post = make_post()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(post.author).delete(post_url(post))
    # then
    assert response.status_code == 204
    assert not Post.objects.filter(pk=post.pk).exists()
    assert client_for().get(post_url(post)).status_code == 404


def test_there_is_no_list_of_every_post_and_no_put():
    post = make_post()
    client = client_for(post.author)
    assert client.get(POSTS).status_code == 405
    assert client.put(post_url(post), {"caption": "x"}, format="json").status_code == 405


# --- Tags on a published picture ----------------------------------------------------------------------


def test_the_author_tags_a_product_on_a_picture_and_removes_the_tag():
    # given
    post = make_post(images=2)
    picture = post.images.order_by("position")[1]
    product = ProductFactory(slug="kopi")
    VariantFactory(product=product, price=5_000_000, stock=0)
    client = client_for(post.author)
    url = f"{post_url(post)}images/{picture.pk}/tags/"
    # when
    added = client.post(url, {"product": "kopi", "x": 0.1, "y": 0.9}, format="json")
    # then
    assert added.status_code == 201, added.content
    tag = ProductTag.objects.get()
    assert added.json() == {
        "id": tag.pk,
        "x": 0.1,
        "y": 0.9,
        "product": {
            "url": "http://testserver/api/v1/products/kopi/",
            "slug": "kopi",
            "title": product.title,
            "store": {"slug": product.store.slug, "name": product.store.name},
            "price": 5_000_000,
            "currency": "IDR",
            "price_display": "IDR50,000",
            "in_stock": False,
        },
    }
    assert tag.image == picture
    shown = client_for().get(post_url(post)).json()
    assert shown["images"][1]["tags"][0]["id"] == tag.pk
    # when the tag is removed
    assert client.delete(f"{url}{tag.pk}/").status_code == 204
    assert not ProductTag.objects.exists()


def test_tagging_rules_hold_on_published_posts_too():
    # given a store's post
    store = StoreFactory()
    post = make_post(store.owner, profile=services.profile_for_store(store=store))
    picture = post.images.get()
    url = f"{post_url(post)}images/{picture.pk}/tags/"
    own = ProductFactory(store=store)
    client = client_for(store.owner)
    # when
    outside = client.post(url, {"product": own.pk, "x": 1.5, "y": 0.5}, format="json")
    foreign = client.post(url, {"product": ProductFactory().pk, "x": 0.5, "y": 0.5}, format="json")
    # then
    assert outside.status_code == 400
    assert outside.json() == {"tags": ["A tag's position must be between 0 and 1 (x and y)."]}
    assert foreign.status_code == 400
    assert foreign.json() == {"tags": ["A store can tag only its own products."]}
    assert not ProductTag.objects.exists()


def test_only_the_author_tags_and_the_picture_must_belong_to_the_post():
    # given
    post, other = make_post(), make_post()
    product = ProductFactory()
    services.tag_product(actor=post.author, image=post.images.get(), product=product, x=0.5, y=0.5)
    tag = ProductTag.objects.get()
    url = f"{post_url(post)}images/{post.images.get().pk}/tags/"
    payload = {"product": product.pk, "x": 0.2, "y": 0.2}
    # then
    assert client_for(UserFactory()).post(url, payload, format="json").status_code == 403
    assert client_for(UserFactory()).delete(f"{url}{tag.pk}/").status_code == 403
    assert client_for().post(url, payload, format="json").status_code == 401
    wrong_picture = f"{post_url(post)}images/{other.images.get().pk}/tags/"
    assert client_for(post.author).post(wrong_picture, payload, format="json").status_code == 404
    assert ProductTag.objects.get().x == 0.5


# --- Likes, saves, the Saved list ------------------------------------------------------------------


def test_likes_count_once_and_unliking_undoes_it():
    # given
    post = make_post()
    client = client_for(UserFactory())
    # when
    responses = [client.post(post_url(post, "like/")).status_code for _ in range(2)]
    # then
    assert responses == [204, 204]
    assert client.get(post_url(post)).json()["like_count"] == 1
    assert client.delete(post_url(post, "like/")).status_code == 204
    assert client.get(post_url(post)).json()["like_count"] == 0
    assert client_for().post(post_url(post, "like/")).status_code == 401


def test_the_saved_list_is_private_and_only_ever_your_own():
    # given
    post, other = make_post(), make_post()
    saver, someone = UserFactory(username="saver"), UserFactory()
    client = client_for(saver)
    services.save_post(user=someone, post=other)
    # when
    assert client.post(post_url(post, "save/")).status_code == 204
    # then
    assert ids(client.get(f"{API}/saved/")) == [post.pk]
    assert ids(client_for(someone).get(f"{API}/saved/")) == [other.pk]
    assert ids(client_for(someone).get(f"{API}/saved/", {"user": saver.pk, "username": "saver"})) == [other.pk]
    assert client_for().get(f"{API}/saved/").status_code == 401
    assert client_for(someone).get(f"{API}/users/saver/saved/").status_code == 404
    assert client.delete(post_url(post, "save/")).status_code == 204
    assert ids(client.get(f"{API}/saved/")) == []


# --- Comments ------------------------------------------------------------------------------------------


def test_comments_and_one_level_of_replies():
    # given
    post = make_post()
    ani, budi = UserFactory(username="ani"), UserFactory(username="budi")
    # when
    top = client_for(ani).post(post_url(post, "comments/"), {"body": " Cantik! "}, format="json")
    reply = client_for(budi).post(
        post_url(post, "comments/"), {"body": "Setuju", "parent": top.json()["id"]}, format="json"
    )
    deeper = client_for(ani).post(
        post_url(post, "comments/"), {"body": "Me too", "parent": reply.json()["id"]}, format="json"
    )
    listing = client_for().get(post_url(post, "comments/")).json()
    # then
    assert top.status_code == reply.status_code == deeper.status_code == 201
    assert top.json()["body"] == "Cantik!"
    assert top.json()["author"] == {"username": "ani", "name": "ani"}
    assert top.json()["replies"] == []
    assert deeper.json()["parent"] == top.json()["id"]
    assert listing["next"] is None
    [comment] = listing["results"]
    assert comment["id"] == top.json()["id"] and comment["parent"] is None
    assert [(r["body"], r["author"]["username"]) for r in comment["replies"]] == [("Setuju", "budi"), ("Me too", "ani")]
    assert client_for().get(post_url(post)).json()["comment_count"] == 3


def test_a_comment_needs_a_login_a_body_and_a_parent_on_the_same_post():
    # given
    post, other = make_post(), make_post()
    elsewhere = services.add_comment(author=UserFactory(), post=other, body="hi")
    client = client_for(UserFactory())
    url = post_url(post, "comments/")
    # then
    assert client_for().post(url, {"body": "hi"}, format="json").status_code == 401
    assert client.post(url, {"body": "   "}, format="json").status_code == 400
    assert client.post(url, {"body": "x" * 1001}, format="json").status_code == 400
    foreign_parent = client.post(url, {"body": "hi", "parent": elsewhere.pk}, format="json")
    assert foreign_parent.status_code == 400
    assert foreign_parent.json() == {"parent": ["You can only reply to a comment on this post."]}
    assert Comment.objects.filter(post=post).count() == 0


def test_who_may_delete_a_comment():
    # given
    post = make_post()
    commenter, stranger = UserFactory(), UserFactory()
    first = services.add_comment(author=commenter, post=post, body="one")
    second = services.add_comment(author=commenter, post=post, body="two")
    url = post_url(post, "comments/")
    # when
    refused = client_for(stranger).delete(f"{url}{first.pk}/")
    by_commenter = client_for(commenter).delete(f"{url}{first.pk}/")
    by_post_author = client_for(post.author).delete(f"{url}{second.pk}/")
    # then
    assert refused.status_code == 403
    assert refused.json() == {"detail": "You cannot delete this comment."}
    assert (by_commenter.status_code, by_post_author.status_code) == (204, 204)
    assert not Comment.objects.exists()
    assert client_for(post.author).delete(f"{url}{first.pk}/").status_code == 404


def test_a_stores_owner_hides_and_shows_comments_on_the_stores_posts():
    # given
    store = StoreFactory()
    post = make_post(store.owner, profile=services.profile_for_store(store=store))
    spam = services.add_comment(author=UserFactory(), post=post, body="spam")
    url = f"{post_url(post, 'comments/')}{spam.pk}/hide/"
    # when
    refused = client_for(spam.author).post(url)
    hidden = client_for(store.owner).post(url)
    # then
    assert refused.status_code == 403
    assert hidden.status_code == 204
    assert client_for().get(post_url(post, "comments/")).json()["results"] == []
    assert client_for().get(post_url(post)).json()["comment_count"] == 0
    assert client_for(store.owner).delete(url).status_code == 204
    assert ids(client_for().get(post_url(post, "comments/"))) == [spam.pk]


def test_comments_of_a_post_page_with_cursors():
    # given
    post = make_post()
    comments = [services.add_comment(author=UserFactory(), post=post, body=str(i)) for i in range(5)]
    # when
    seen = walk(client_for(), f"http://testserver{post_url(post, 'comments/')}?limit=2")
    # then
    assert seen == [comment.pk for comment in comments]


# --- Throttling ------------------------------------------------------------------------------------------


def test_publishing_and_commenting_are_rate_limited(monkeypatch):
    # given low limits (the real ones come from API_POSTING_RATE and API_COMMENTING_RATE)
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {**ScopedRateThrottle.THROTTLE_RATES, "posting": "2/hour", "commenting": "3/hour"},
    )
    author = UserFactory()
    client = client_for(author)
    # when
    posts = [publish(client).status_code for _ in range(3)]
    post = Post.objects.first()
    comments = [client.post(post_url(post, "comments/"), {"body": "hi"}, format="json").status_code for _ in range(4)]
    # then
    assert posts == [201, 201, 429]
    assert comments == [201, 201, 201, 429]
    assert Post.objects.count() == 2
    assert client.get(post_url(post)).status_code == 200  # reading is not limited by these scopes
    assert publish(client_for(UserFactory())).status_code == 201  # the limit is per user


# --- Feeds ---------------------------------------------------------------------------------------------


def test_the_following_feed_needs_a_login_and_shows_followed_profiles_newest_first(now):
    # given
    shopper, store = UserFactory(), StoreFactory()
    services.follow(follower=shopper, profile=services.profile_for_store(store=store))
    old = make_post(store.owner, profile=services.profile_for_store(store=store), at=now - timedelta(days=1))
    new = make_post(store.owner, profile=services.profile_for_store(store=store), at=now)
    make_post()  # a stranger's
    # when
    response = client_for(shopper).get(f"{API}/feed/following/")
    # then
    assert response.status_code == 200
    assert ids(response) == [new.pk, old.pk]
    assert response.json()["next"] is None
    assert response.json()["results"][0]["viewer_follows"] is True
    assert client_for().get(f"{API}/feed/following/").status_code == 401


def test_both_feeds_walk_with_cursors_without_repeats(now):
    # given twelve posts of a followed person, some sharing a timestamp, and a few likes
    shopper, author = UserFactory(), UserFactory()
    services.follow(follower=shopper, profile=services.profile_for_user(user=author))
    posts = [make_post(author, at=now - timedelta(minutes=i // 3)) for i in range(12)]
    for post in posts[5:8]:
        services.like(user=UserFactory(), post=post)
    newest_first = [p.pk for p in sorted(posts, key=lambda p: (p.created_at, p.pk), reverse=True)]
    # when
    following = walk(client_for(shopper), f"http://testserver{API}/feed/following/?limit=5")
    for_you = walk(client_for(), f"http://testserver{API}/feed/for-you/?limit=5")
    # then
    assert following == newest_first
    assert len(for_you) == len(set(for_you)) == 12
    assert set(for_you) == set(newest_first)
    assert set(for_you[:3]) == {p.pk for p in posts[5:8]}  # the liked ones rank first


def test_for_you_is_open_to_anonymous_visitors_and_never_shows_my_own_posts():
    # given
    me = UserFactory()
    mine, theirs = make_post(me), make_post()
    # then
    assert ids(client_for().get(f"{API}/feed/for-you/")) == [theirs.pk, mine.pk]
    assert ids(client_for(me).get(f"{API}/feed/for-you/")) == [theirs.pk]


@pytest.mark.parametrize("feed", ["feed/following/", "feed/for-you/", "saved/"])
@pytest.mark.parametrize("cursor", ["bm90LWEtY3Vyc29y", "!!!", "a\x00b", "x" * 201])
def test_a_forged_cursor_is_a_400(feed, cursor):
    # when
    response = client_for(UserFactory()).get(f"{API}/{feed}", {"cursor": cursor})
    # then
    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


def test_a_page_limit_out_of_range_is_a_400():
    response = client_for().get(f"{API}/feed/for-you/", {"limit": 51})
    assert response.status_code == 400
    assert list(response.json()) == ["limit"]


def test_the_hashtag_feed_and_a_profiles_posts(now):
    # given
    author = UserFactory()
    first = make_post(author, caption="#Batik hari ini", at=now - timedelta(hours=1))
    second = make_post(caption="lagi #batik", at=now)
    client = client_for()
    # then
    assert ids(client.get(f"{API}/hashtags/BATIK/posts/")) == [second.pk, first.pk]
    assert client.get(f"{API}/hashtags/nothing/posts/").status_code == 404
    assert client.get(f"{API}/hashtags/a%00b/posts/").status_code == 400  # NUL: shop.middleware
    assert ids(client.get(profile_url(author.profile, "posts/"))) == [first.pk]


def test_seen_in_posts_lists_the_posts_tagging_a_visible_product():
    # given
    product = ProductFactory(slug="kopi")
    tagging = [make_post(products=[product]) for _ in range(3)]
    make_post()
    draft = ProductFactory(slug="draft", status=Product.Status.DRAFT)
    # when
    seen = walk(client_for(), f"http://testserver{API}/products/kopi/posts/?limit=2")
    # then
    assert seen == [post.pk for post in reversed(tagging)]
    assert client_for().get(f"{API}/products/draft/posts/").status_code == 404
    assert client_for(draft.store.owner).get(f"{API}/products/draft/posts/").json() == {"results": [], "next": None}
    assert client_for().get(f"{API}/products/kopi/").status_code == 200  # the catalog's route is untouched


def test_a_feed_page_takes_the_same_queries_for_five_and_ten_posts(django_capture_on_commit_callbacks):
    # given a shopper following a store whose posts tag products with prices
    shopper, store = UserFactory(), StoreFactory()
    store_profile = services.profile_for_store(store=store)
    services.follow(follower=shopper, profile=store_profile)
    products = [ProductFactory(store=store) for _ in range(2)]
    for product in products:
        VariantFactory(product=product)
    client = client_for(shopper)

    def queries(url):
        cache.clear()  # For you keeps its ranking a few minutes: measure the full cost each time
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def add_posts(n):
        for _ in range(n):
            with django_capture_on_commit_callbacks(execute=True):  # fan-out to the built feed
                post = make_post(store.owner, profile=store_profile, products=products, images=2)
            services.like(user=shopper, post=post)

    add_posts(5)
    client.get(f"{API}/feed/following/")  # the first visit builds the feed
    few = {url: queries(url) for url in (f"{API}/feed/following/", f"{API}/feed/for-you/")}
    add_posts(5)
    # then
    for url, count in few.items():
        assert queries(url) == count, url
        assert count <= 12, url  # the budget, with the session and user lookups included
    for url in few:
        assert len(client.get(url).json()["results"]) == 10, url


# --- Schema ---------------------------------------------------------------------------------------------------


def test_the_schema_lists_the_social_endpoints_without_warnings(client, tmp_path):
    # given
    GENERATOR_STATS.reset()
    # when: raises CommandError on any warning, or on an invalid OpenAPI document
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    schema = client.get("/api/schema/", {"format": "json"}).json()
    # then
    for path, method in [
        ("/api/v1/profiles/{id}/", "get"),
        ("/api/v1/profiles/{id}/follow/", "post"),
        ("/api/v1/profiles/{id}/follow/", "delete"),
        ("/api/v1/profiles/{id}/followers/", "get"),
        ("/api/v1/profiles/{id}/following/", "get"),
        ("/api/v1/profiles/{id}/posts/", "get"),
        ("/api/v1/users/{username}/", "get"),
        ("/api/v1/users/{username}/block/", "post"),
        ("/api/v1/stores/{slug}/profile/", "get"),
        ("/api/v1/posts/", "post"),
        ("/api/v1/posts/{id}/", "patch"),
        ("/api/v1/posts/{id}/", "delete"),
        ("/api/v1/posts/{id}/like/", "post"),
        ("/api/v1/posts/{id}/save/", "delete"),
        ("/api/v1/posts/{post_pk}/comments/", "get"),
        ("/api/v1/posts/{post_pk}/comments/{id}/hide/", "post"),
        ("/api/v1/posts/{post_pk}/images/{image_pk}/tags/", "post"),
        ("/api/v1/posts/{post_pk}/images/{image_pk}/tags/{id}/", "delete"),
        ("/api/v1/feed/following/", "get"),
        ("/api/v1/feed/for-you/", "get"),
        ("/api/v1/saved/", "get"),
        ("/api/v1/hashtags/{name}/posts/", "get"),
        ("/api/v1/products/{slug}/posts/", "get"),
    ]:
        assert method in schema["paths"][path], (path, method)
    assert "multipart/form-data" in schema["paths"]["/api/v1/posts/"]["post"]["requestBody"]["content"]
    assert {"201", "400", "401", "403"} <= set(schema["paths"]["/api/v1/posts/"]["post"]["responses"])
    page = schema["paths"]["/api/v1/feed/for-you/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert page["schema"] == {"$ref": "#/components/schemas/PostPage"}
