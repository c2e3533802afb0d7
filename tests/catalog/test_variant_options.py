"""Variant options: name and value rows in the admin's option editor, one rule for every way
in (catalog.services.validate_options): names and values given, a name once, within limits."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from catalog import services
from catalog.models import Product, ProductVariant
from tests.admin_helpers import admin_url, form_data
from tests.factories import ProductFactory, SellerFactory, StoreFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def variant() -> ProductVariant:
    store = StoreFactory(owner=SellerFactory())
    return VariantFactory(product=ProductFactory(store=store), options={"Size": "M"}, stock=3)


def post_options(client, variant, names: list[str], values: list[str]):
    url = admin_url(Product, "change", variant.product.pk)
    data = form_data(client.get(url))
    data["variants-0-options-name"], data["variants-0-options-value"] = names, values
    return client.post(url, data)


def option_errors(response) -> str:
    return str(response.context["inline_admin_formsets"][0].formset.errors)


def test_the_editor_saves_its_rows_trimmed_and_ignores_blank_rows(client, variant):
    client.force_login(variant.store.owner)
    response = post_options(client, variant, [" Colour ", "Size", ""], ["Navy", " L ", ""])
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.options == {"Colour": "Navy", "Size": "L"}


@pytest.mark.parametrize(
    ("names", "values", "message"),
    [
        (["Size", "size"], ["M", "L"], "The option “size” is given twice."),
        (["", "Size"], ["Navy", "M"], "Every option needs a name (the value “Navy” has none)."),
        (["Size"], [""], "Give the option “Size” a value."),
        (["S" * 41], ["M"], "is too long (at most 40 characters)."),
        (["Size"], ["M" * 81], "The value of “Size” is too long (at most 80 characters)."),
        ([f"Option {n}" for n in range(11)], ["x"] * 11, "A variant can have at most 10 options."),
    ],
    ids=["duplicate", "no-name", "no-value", "long-name", "long-value", "too-many"],
)
def test_the_editor_refuses_bad_rows_with_a_clear_error(client, variant, names, values, message):
    client.force_login(variant.store.owner)
    response = post_options(client, variant, names, values)
    assert response.status_code == 200
    assert message in option_errors(response)
    variant.refresh_from_db()
    assert variant.options == {"Size": "M"}


def test_the_api_and_the_service_apply_the_same_rules(variant):
    client = APIClient()
    client.force_login(variant.store.owner)
    url = f"/api/v1/products/{variant.product.slug}/variants/{variant.pk}/"
    response = client.patch(url, {"options": {"Size": " "}}, format="json")
    assert response.status_code == 400
    assert response.json() == {"options": ["Give the option “Size” a value."]}
    with pytest.raises(ValidationError, match="given twice"):
        services.validate_options([("Size", "M"), ("SIZE", "L")])
