"""The reviews API: lists with sort, filter and cursors; the rating; writing your own review
with photos; helpful, report, reply, hide; object permissions (author, seller, staff, stranger)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from social import services
from social.models import ProductRating, Review, ReviewReply
from tests.factories import ProductFactory, StoreFactory, UserFactory, image_file

pytestmark = pytest.mark.django_db

API = "/api/v1"


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def reviews_url(product, suffix="") -> str:
    return f"{API}/products/{product.slug}/reviews/{suffix}"


def review_url(review, suffix="") -> str:
    return f"{API}/reviews/{review.pk}/{suffix}"


def review(product, rating=5, author=None, **kwargs) -> Review:
    written, _created = services.write_review(author=author or UserFactory(), product=product, rating=rating, **kwargs)
    return written


# --- Reading ------------------------------------------------------------------------------------------


def test_list_sort_filter_and_follow_the_cursor():
    # given
    product = ProductFactory()
    now = timezone.now()
    made = []
    for index, rating in enumerate([5, 1, 4, 5, 2]):
        written = review(product, rating, title=f"R{index}", photos=[image_file()] if rating == 5 else [])
        Review.objects.filter(pk=written.pk).update(created_at=now - timedelta(hours=10 - index))
        made.append(written.pk)
    client = client_for()
    # when: newest first, two per page
    first = client.get(reviews_url(product), {"limit": 2}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    # then
    assert [r["id"] for r in first["results"] + second["results"] + third["results"]] == made[::-1]
    assert third["next"] is None
    lowest = client.get(reviews_url(product), {"sort": "lowest"}).json()["results"]
    assert [r["rating"] for r in lowest] == [1, 2, 4, 5, 5]
    fives = client.get(reviews_url(product), {"stars": 5, "with_photos": "true"}).json()["results"]
    assert [r["id"] for r in fives] == [made[3], made[0]] and all(len(r["photos"]) == 1 for r in fives)
    item = fives[0]
    assert item["product"] == product.slug and item["author"]["username"]
    assert item["photos"][0]["thumbnail"].startswith("http://testserver/")
    assert item["web_url"].endswith(f"/p/{product.slug}/#review-{made[3]}")


@pytest.mark.parametrize(
    "query", [{"sort": "best"}, {"stars": 6}, {"stars": 0}, {"limit": 51}, {"cursor": "forged"}, {"with_photos": "x"}]
)
def test_bad_queries_are_400(query):
    product = ProductFactory()
    review(product)
    assert client_for().get(reviews_url(product), query).status_code == 400


def test_the_rating():
    product = ProductFactory()
    for rating in (5, 4, 4):
        review(product, rating)
    data = client_for().get(f"{API}/products/{product.slug}/rating/").json()
    assert data["product"] == product.slug and data["count"] == 3 and data["average"] == pytest.approx(4.33)
    assert data["histogram"][0] == {"star": 5, "count": 1, "percent": 33}
    assert data["histogram"][1] == {"star": 4, "count": 2, "percent": 67}
    empty = client_for().get(f"{API}/products/{ProductFactory().slug}/rating/").json()
    assert empty["count"] == 0 and empty["average"] == 0


def test_a_draft_products_reviews_do_not_exist_for_shoppers():
    product = ProductFactory(status="draft")
    assert client_for().get(reviews_url(product)).status_code == 404
    assert client_for(UserFactory()).post(reviews_url(product), {"rating": 5}).status_code == 404
    assert client_for().get(f"{API}/products/nope/rating/").status_code == 404


# --- Writing your review ------------------------------------------------------------------------------------


def test_write_with_photos_then_post_again_edits_it():
    # given
    product = ProductFactory()
    shopper = UserFactory()
    client = client_for(shopper)
    # when
    created = client.post(
        reviews_url(product),
        {"rating": 4, "title": "Enak", "photos": [image_file("a.jpg"), image_file("b.png", fmt="PNG")]},
        format="multipart",
    )
    edited = client.post(reviews_url(product), {"rating": 5, "body": "Even better"}, format="json")
    # then
    assert created.status_code == 201 and created["Location"] == f"{API}/reviews/{created.json()['id']}/"
    assert len(created.json()["photos"]) == 2 and created.json()["viewer_is_author"] is True
    assert edited.status_code == 200 and edited.json()["id"] == created.json()["id"]
    assert edited.json()["rating"] == 5 and edited.json()["body"] == "Even better"
    assert len(edited.json()["photos"]) == 2
    assert Review.objects.filter(author=shopper).count() == 1
    assert ProductRating.objects.get(pk=product.pk).total == 5


def test_your_review_by_product_get_put_delete():
    product = ProductFactory()
    shopper = UserFactory()
    client = client_for(shopper)
    mine = f"{reviews_url(product)}mine/"
    assert client.get(mine).status_code == 404
    assert client.put(mine, {"rating": 3}, format="json").status_code == 201
    photo_review = client.put(mine, {"rating": 2, "photos": [image_file()]}, format="multipart")
    assert photo_review.status_code == 200 and photo_review.json()["rating"] == 2
    photo_id = photo_review.json()["photos"][0]["id"]
    removed = client.put(mine, {"rating": 2, "remove_photos": [photo_id]}, format="json")
    assert removed.json()["photos"] == []
    assert client.get(mine).json()["rating"] == 2
    assert client.delete(mine).status_code == 204
    assert not Review.objects.exists() and client.delete(mine).status_code == 404
    assert client_for().get(mine).status_code in (401, 403)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({}, "rating"),
        ({"rating": 5, "title": "x" * 121}, "title"),
        ({"rating": 5, "body": "nul\x00byte"}, "body"),
    ],
)
def test_invalid_reviews_are_400(data, field):
    response = client_for(UserFactory()).post(reviews_url(ProductFactory()), data, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Review.objects.exists()


def test_photo_rules_a_text_file_named_jpg_and_six_photos_are_refused():
    product = ProductFactory()
    client = client_for(UserFactory())
    fake = SimpleUploadedFile("shell.jpg", b"#!/bin/sh\necho hi", content_type="image/jpeg")
    response = client.post(reviews_url(product), {"rating": 5, "photos": [fake]}, format="multipart")
    assert response.status_code == 400 and "shell.jpg" in str(response.json()["photos"])
    six = [image_file(f"{n}.jpg") for n in range(6)]
    response = client.post(reviews_url(product), {"rating": 5, "photos": six}, format="multipart")
    assert response.status_code == 400 and "photos" in response.json()
    assert not Review.objects.exists()


def test_anonymous_cannot_write_and_a_seller_not_about_their_own_product():
    product = ProductFactory()
    assert client_for().post(reviews_url(product), {"rating": 5}, format="json").status_code in (401, 403)
    response = client_for(product.store.owner).post(reviews_url(product), {"rating": 5}, format="json")
    assert response.status_code == 403
    assert not Review.objects.exists()


# --- Object permissions on /reviews/{id}/ ------------------------------------------------------------------------


def test_only_the_author_edits_or_deletes_a_review():
    product = ProductFactory()
    written = review(product, 4)
    staff = UserFactory(is_staff=True, is_superuser=True)
    for other in (UserFactory(), product.store.owner, staff):
        client = client_for(other)
        assert client.put(review_url(written), {"rating": 1}, format="json").status_code == 403
        assert client.delete(review_url(written)).status_code == 403
    assert Review.objects.get(pk=written.pk).rating == 4
    author = client_for(written.author)
    assert author.put(review_url(written), {"rating": 2}, format="json").json()["rating"] == 2
    assert author.delete(review_url(written)).status_code == 204
    assert not Review.objects.exists()


def test_helpful_once_not_ones_own():
    written = review(ProductFactory())
    fan = client_for(UserFactory())
    assert fan.post(review_url(written, "helpful/")).status_code == 204
    assert fan.post(review_url(written, "helpful/")).status_code == 204
    assert Review.objects.get(pk=written.pk).helpful_count == 1
    assert fan.get(review_url(written)).json()["viewer_voted"] is True
    assert client_for(written.author).post(review_url(written, "helpful/")).status_code == 403
    assert client_for().post(review_url(written, "helpful/")).status_code in (401, 403)
    assert fan.delete(review_url(written, "helpful/")).status_code == 204
    assert Review.objects.get(pk=written.pk).helpful_count == 0


def test_report_once_with_a_reason():
    written = review(ProductFactory(), 1)
    reporter = client_for(UserFactory())
    assert reporter.post(review_url(written, "report/"), {"reason": "spam"}, format="json").status_code == 204
    assert reporter.post(review_url(written, "report/"), {"reason": "fake"}, format="json").status_code == 204
    assert Review.objects.get(pk=written.pk).report_count == 1
    assert reporter.post(review_url(written, "report/"), {"reason": "meh"}, format="json").status_code == 400
    own = client_for(written.author).post(review_url(written, "report/"), {"reason": "spam"}, format="json")
    assert own.status_code == 403


def test_only_the_store_owner_replies_once_and_edits():
    product = ProductFactory()
    written = review(product, 3)
    for other in (UserFactory(), written.author, StoreFactory().owner, UserFactory(is_staff=True, is_superuser=True)):
        response = client_for(other).put(review_url(written, "reply/"), {"body": "Hi"}, format="json")
        assert response.status_code == 403
    owner = client_for(product.store.owner)
    first = owner.put(review_url(written, "reply/"), {"body": "Terima kasih!"}, format="json")
    second = owner.put(review_url(written, "reply/"), {"body": "Terima kasih banyak!"}, format="json")
    assert first.status_code == second.status_code == 200
    assert second.json()["reply"]["body"] == "Terima kasih banyak!"
    assert ReviewReply.objects.count() == 1


def test_hide_and_unhide_by_the_seller_or_staff_only_and_hidden_reviews_disappear():
    product = ProductFactory()
    written = review(product, 1)
    review(product, 5)
    for other in (UserFactory(), written.author, StoreFactory().owner):
        assert client_for(other).post(review_url(written, "hide/")).status_code in (403, 404)
    seller = client_for(product.store.owner)
    assert seller.post(review_url(written, "hide/")).status_code == 204
    assert ProductRating.objects.get(pk=product.pk).count == 1
    # gone for shoppers, there for its author (marked hidden) and the seller
    assert client_for().get(review_url(written)).status_code == 404
    assert len(client_for().get(reviews_url(product)).json()["results"]) == 1
    assert client_for(written.author).get(review_url(written)).json()["is_hidden"] is True
    assert client_for(UserFactory()).post(review_url(written, "helpful/")).status_code == 404
    # staff shows it again
    staff = client_for(UserFactory(is_staff=True, is_superuser=True))
    assert staff.post(review_url(written, "unhide/")).status_code == 204
    assert ProductRating.objects.get(pk=product.pk).count == 2
    assert client_for().get(review_url(written)).status_code == 200
