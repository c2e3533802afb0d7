"""The friends API: recommendations reach friends only (403 for anyone else), notes are plain
text, received recommendations page by cursor, friend proof and the shelf show friends only
and never an opted-out purchase, "you may also like" reads the precomputed table."""

import pytest

from checkout import services as checkout_services
from shop.models import Notification
from social import services
from social.models import Recommendation
from tests.factories import PASSWORD, ProductFactory, UserFactory, buyable_variant, make_post, place

pytestmark = pytest.mark.django_db

RECOMMEND = "/api/v1/recommendations/"
RECEIVED = "/api/v1/recommendations/received/"


def befriend(a, b) -> None:
    services.follow(follower=a, profile=services.profile_for_user(user=b))
    services.follow(follower=b, profile=services.profile_for_user(user=a))


@pytest.fixture
def me(client):
    user = UserFactory(username="me", first_name="Me")
    assert client.login(username=user.username, password=PASSWORD)
    return user


@pytest.fixture
def ani(me):
    friend = UserFactory(username="ani", first_name="Ani", share_purchases=True)
    befriend(me, friend)
    return friend


@pytest.fixture
def product():
    return buyable_variant().product


def test_recommending_a_product_to_a_friend(client, me, ani, product):
    # when
    response = client.post(
        RECOMMEND, {"recipients": [ani.pk], "product": product.slug, "note": "Cobain!"}, content_type="application/json"
    )
    # then
    assert response.status_code == 201, response.json()
    [row] = response.json()["results"]
    assert row["recipient"]["username"] == "ani" and row["sender"]["username"] == "me"
    assert row["product"]["slug"] == product.slug and row["post"] is None and row["note"] == "Cobain!"
    assert "purchased_order_id" not in row
    assert Notification.objects.get(kind="friend_recommendation").recipient == ani


def test_recommending_a_post(client, me, ani):
    post = make_post()
    response = client.post(RECOMMEND, {"recipients": [ani.pk], "post": post.pk}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["results"][0]["post"]["id"] == post.pk


def test_a_recommendation_to_someone_not_a_friend_is_refused_whole(client, me, ani, product):
    # given: fan follows me, I do not follow back
    fan = UserFactory(username="fan")
    services.follow(follower=fan, profile=services.profile_for_user(user=me))
    # when
    response = client.post(
        RECOMMEND, {"recipients": [ani.pk, fan.pk], "product": product.slug}, content_type="application/json"
    )
    # then
    assert response.status_code == 403
    assert "friends" in response.json()["detail"]
    assert not Recommendation.objects.exists()
    assert (
        client.post(
            RECOMMEND, {"recipients": [999999], "product": product.slug}, content_type="application/json"
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    "body",
    [
        {"recipients": "me"},  # replaced by my id below
        {"recipients": []},
        {"note": "<a href='x'>x</a>"},
        {"note": "x" * 301},
        {"note": "nul\x00"},
        {"product": None},
        {"post": "PICK"},  # both a product and a post
        {"product": "no-such-product"},
        {"product": "bad\x00slug"},
    ],
)
def test_bad_requests_are_400(client, me, ani, product, body):
    data = {"recipients": [ani.pk], "product": product.slug, "note": ""}
    data.update(body)
    if data["recipients"] == "me":
        data["recipients"] = [me.pk]
    if data.get("post") == "PICK":
        data["post"] = make_post().pk
    if data.get("product") is None:
        del data["product"]
    response = client.post(RECOMMEND, data, content_type="application/json")
    assert response.status_code == 400, response.content
    assert not Recommendation.objects.exists()


def test_a_post_one_may_not_see_cannot_be_named(client, me, ani):
    author = UserFactory()
    post = make_post(author)
    services.block(blocker=author, blocked=me)
    response = client.post(RECOMMEND, {"recipients": [ani.pk], "post": post.pk}, content_type="application/json")
    assert response.status_code == 400
    assert "post" in response.json()


def test_recommending_is_rate_limited(client, me, ani, product):
    body = {"recipients": [ani.pk], "product": product.slug}
    for _ in range(30):
        assert client.post(RECOMMEND, body, content_type="application/json").status_code == 201
    assert client.post(RECOMMEND, body, content_type="application/json").status_code == 429


def test_received_recommendations_page_by_cursor_and_are_marked_seen_on_request(client, me, ani, product):
    # given
    for _ in range(3):
        services.recommend(sender=ani, recipients=[me], product=product)
    # when
    first = client.get(RECEIVED, {"limit": 2}).json()
    second = client.get(first["next"]).json()
    # then
    assert len(first["results"]) == 2 and len(second["results"]) == 1 and second["next"] is None
    assert all(row["seen_at"] is None for row in first["results"])
    assert client.post(f"{RECEIVED}seen/").status_code == 204
    assert all(row["seen_at"] for row in client.get(RECEIVED).json()["results"])
    assert client.get(RECEIVED, {"cursor": "forged"}).status_code == 400


def test_the_friends_api_needs_a_login(client, product):
    assert client.get(RECEIVED).status_code == 401
    assert client.post(RECOMMEND, {}, content_type="application/json").status_code == 401
    assert client.get(f"/api/v1/products/{product.slug}/friends/").status_code == 401
    assert client.get("/api/v1/friends/shelf/").status_code == 401
    assert client.get("/api/v1/friends/").status_code == 401


def test_friends_lists_mutual_follows_only(client, me, ani):
    idol = UserFactory(username="idol")
    services.follow(follower=me, profile=services.profile_for_user(user=idol))
    assert [row["username"] for row in client.get("/api/v1/friends/").json()["results"]] == ["ani"]


def test_friend_proof_and_shelf_never_carry_an_opted_out_purchase(client, me, ani, django_capture_on_commit_callbacks):
    # given: budi (a friend, private) and ani (a friend, sharing) bought it; carla (not a friend, sharing) too
    variant = buyable_variant()
    product = variant.product
    budi = UserFactory(username="budi", share_purchases=False)
    carla = UserFactory(username="carla", share_purchases=True)
    befriend(me, budi)
    for buyer in (budi, ani, carla):
        order = place(buyer, (variant, 1)).orders[0]
        with django_capture_on_commit_callbacks(execute=True):
            checkout_services.confirm_transfer(order=order, actor=order.store.owner)
    # when
    proof = client.get(f"/api/v1/products/{product.slug}/friends/").json()
    shelf = client.get("/api/v1/friends/shelf/").json()
    # then
    assert proof["count"] == 1
    assert proof["friends"] == [
        {"id": ani.pk, "username": "ani", "name": "Ani", "liked": False, "rated": False, "bought": True}
    ]
    assert proof["summary"] == [{"action": "bought", "first": "Ani", "others": 0}]
    assert [(item["product"]["slug"], item["friends"], item["bought"]) for item in shelf["results"]] == [
        (product.slug, 1, True)
    ]
    assert "budi" not in str(proof) + str(shelf) and "carla" not in str(proof) + str(shelf)


def test_friend_proof_of_a_draft_is_a_404(client, me):
    draft = ProductFactory(status="draft")
    assert client.get(f"/api/v1/products/{draft.slug}/friends/").status_code == 404


def test_also_like_reads_the_table_for_everyone(client, product):
    other = buyable_variant(store=product.store).product
    assert client.get(f"/api/v1/products/{product.slug}/also-like/").json() == {"results": []}
    services.compute_product_affinities()
    client.logout()
    response = client.get(f"/api/v1/products/{product.slug}/also-like/")
    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == [other.slug]
