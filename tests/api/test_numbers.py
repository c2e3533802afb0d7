"""Numbers a client sends stay inside their columns: a 400 with a message past the range, and a
position at the column's largest never makes the next one overflow (a 500 on PostgreSQL)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import ProductFactory, UserFactory, buyable_variant, image_file

pytestmark = pytest.mark.django_db

INT_MAX = 2**31 - 1


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_variant_at_the_last_position_then_another_one(postgres_only):
    # given
    product = ProductFactory()
    client = client_for(product.store.owner)
    url = reverse("api:product-variant-list", args=[product.slug])
    first = client.post(url, {"sku": "A", "price": 1000, "position": INT_MAX}, format="json")
    # when
    second = client.post(url, {"sku": "B", "price": 1000}, format="json")
    # then
    assert first.status_code == 201, first.json()
    assert second.status_code == 201, second.json()
    assert second.json()["position"] == INT_MAX


def test_an_image_at_the_last_position_then_another_one(postgres_only):
    # given
    product = ProductFactory()
    client = client_for(product.store.owner)
    url = reverse("api:product-image-list", args=[product.slug])
    first = client.post(url, {"image": image_file(), "position": INT_MAX}, format="multipart")
    # when
    second = client.post(url, {"image": image_file()}, format="multipart")
    # then
    assert first.status_code == 201, first.json()
    assert second.status_code == 201, second.json()


@pytest.mark.parametrize(
    ("field", "value"),
    [("position", INT_MAX + 1), ("stock", INT_MAX + 1), ("price", 2**63), ("compare_at_price", 2**63)],
)
def test_a_variant_number_past_its_column_is_a_400_naming_the_field(field, value, postgres_only):
    # given
    product = ProductFactory()
    body = {"sku": "A", "price": 1000, field: value}
    # when
    response = client_for(product.store.owner).post(
        reverse("api:product-variant-list", args=[product.slug]), body, format="json"
    )
    # then
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("quantity", [INT_MAX + 1, 2**63, -1])
def test_a_cart_quantity_past_its_range_is_a_400(quantity, postgres_only):
    # given
    variant = buyable_variant()
    client = client_for(UserFactory())
    # when
    added = client.post(reverse("api:cart-line-list"), {"variant": variant.pk, "quantity": quantity}, format="json")
    huge_id = client.post(reverse("api:cart-line-list"), {"variant": 2**64, "quantity": 1}, format="json")
    # then
    assert added.status_code == 400 and "quantity" in added.json()
    assert huge_id.status_code == 400 and "variant" in huge_id.json()


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/notifications/read/", {"ids": [2**64]}, "ids"),
        ("/api/v1/recommendations/", {"recipients": [2**64], "product": "kopi"}, "recipients"),
        ("/api/v1/checkout/quote/", {"address": 2**64}, "address"),
        ("/api/v1/products/{product}/reviews/", {"rating": 2**64}, "rating"),
        ("/api/v1/posts/{post}/comments/", {"body": "Nice", "parent": 2**64}, "parent"),
    ],
)
def test_a_number_past_any_column_in_a_body_is_a_400_naming_the_field(url, body, field, postgres_only):
    # given
    from tests.factories import make_post

    product = ProductFactory()
    post = make_post(products=[product])
    # when
    response = client_for(UserFactory()).post(url.format(product=product.slug, post=post.pk), body, format="json")
    # then
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/posts/{2**64}/",
        f"/api/v1/reviews/{2**64}/",
        f"/api/v1/profiles/{2**64}/",
        f"/api/v1/addresses/{2**64}/",
        f"/api/v1/payments/{2**64}/",
        "/api/v1/products/?page=99999999999999999999999",
        "/api/v1/products/?min_price=99999999999999999999999",
        "/api/v1/feed/for-you/?limit=99999999999999999999",
    ],
)
def test_a_number_past_any_column_in_a_path_or_query_is_a_4xx(path, postgres_only):
    # when
    response = client_for(UserFactory()).get(path)
    # then
    assert 400 <= response.status_code < 500
    assert "detail" in response.json() or response.status_code == 400
