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
