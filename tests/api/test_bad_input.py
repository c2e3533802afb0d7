"""Bad input answers a clear 4xx, never a 500: OPTIONS on every API route, NUL characters in
paths, queries and bodies, deeply nested JSON, and every error under /api/ as JSON."""

import json

import pytest
from django.urls import get_resolver, reverse
from rest_framework.test import APIClient

from tests.factories import ProductFactory, SellerFactory, StoreFactory, UserFactory, make_post

pytestmark = pytest.mark.django_db

# A value for each kind of path parameter of the API's routes (the objects need not exist).
ROUTE_VALUES = {
    "slug": "kopi-gayo",
    "product_slug": "kopi-gayo",
    "pk": 1,
    "id": 1,
    "post_pk": 1,
    "image_pk": 1,
    "user_id": 1,
    "number": "ET260101-ABCDEF",
    "username": "someone",
    "name": "batik",
}


def api_route_names() -> list[str]:
    """Every named route of the API namespace, as the URL resolver holds them."""
    _prefix, resolver = get_resolver().namespace_dict["api"]
    return sorted(name for name in resolver.reverse_dict if isinstance(name, str))


def api_url(name: str) -> str:
    _prefix, resolver = get_resolver().namespace_dict["api"]
    [(_pattern, parameters)] = resolver.reverse_dict.getlist(name)[0][0][:1]
    return reverse(f"api:{name}", kwargs={parameter: ROUTE_VALUES[parameter] for parameter in parameters})


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_the_api_has_routes_to_check():
    assert len(api_route_names()) > 40


@pytest.mark.parametrize("identity", ["shopper", "seller"])
def test_options_on_every_api_route_answers_json_for_a_signed_in_user(identity):
    # given
    user = UserFactory() if identity == "shopper" else StoreFactory().owner
    client = client_for(user)
    # when
    answers = {name: client.options(api_url(name)) for name in api_route_names()}
    # then: a 404 where the parent object of a nested route does not exist, never a 500
    failed = {name: response.status_code for name, response in answers.items() if response.status_code >= 500}
    assert not failed
    assert all(response["Content-Type"] == "application/json" for response in answers.values())
    bodiless = ["review-helpful", "review-hide", "review-unhide", "product-review-mine", "people-you-may-know-dismiss"]
    bodiless.append("recommendations-received-seen")
    assert {name: answers[name].status_code for name in bodiless} == dict.fromkeys(bodiless, 200)


def test_options_describes_the_body_of_a_view_that_takes_one():
    # given
    client = client_for(UserFactory())
    # when
    response = client.options(reverse("api:address-list"))
    # then
    assert "postal_code" in response.json()["actions"]["POST"]


# --- NUL characters --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/@%00/", "/hashtags/%00/", "/p/%00/", "/search/?q=%00", "/?tab=a%00b"])
def test_a_nul_in_a_page_path_or_query_is_a_400(client, path, postgres_only):
    # when
    response = client.get(path)
    # then
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/products/%00/", "/api/v1/hashtags/a%00/posts/", "/api/v1/posts/?a%00=1"])
def test_a_nul_in_an_api_path_is_a_json_400(path, postgres_only):
    # when
    response = client_for().get(path)
    # then
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_a_nul_in_an_api_query_is_a_json_400_naming_the_parameter(postgres_only):
    # when
    response = client_for().get("/api/v1/products/", {"search": "kopi\x00", "sort": "price"})
    # then
    assert response.status_code == 400
    assert response.json() == {"search": ["Null characters are not allowed."]}


def test_a_nul_in_a_token_or_a_session_cookie_is_a_400(client, postgres_only):
    # given
    client.cookies["sessionid"] = "abcdefghij\x00kl"
    # when
    token = client_for().get(reverse("api:cart"), HTTP_AUTHORIZATION="Token abc\x00def")
    page = client.get("/")
    # then
    assert token.status_code == 400 and "NUL" in token.json()["detail"]
    assert page.status_code == 400


def test_a_nul_anywhere_in_a_json_body_is_a_400_before_any_query(postgres_only):
    # given: a slug field, looked up in the database, which DRF's NUL check on text fields misses
    client = client_for(UserFactory())
    friend = UserFactory()
    # when
    response = client.post(
        reverse("api:recommendations"), {"recipients": [friend.pk], "product": "kopi\x00"}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"product": ["Null characters are not allowed."]}


def test_a_nul_in_a_form_field_of_the_api_or_a_page_is_a_400(client, postgres_only):
    # given
    user = UserFactory()
    api = client_for(user)
    client.force_login(user)
    # when
    through_api = api.post(reverse("api:recommendations"), {"recipients": "1", "product": "kopi\x00"})
    through_page = client.post(reverse("social:recommend"), {"product": "1", "note": "a\x00b"})
    # then
    assert through_api.status_code == 400 and through_api.json() == {"product": ["Null characters are not allowed."]}
    assert through_page.status_code == 400


def test_a_unicode_digit_names_no_product_instead_of_crashing(client):
    # given
    client.force_login(UserFactory())
    # when: "²" is a digit to str.isdigit() but not to int()
    response = client.get(reverse("social:recommend"), {"product": "²"})
    # then
    assert response.status_code < 500


# --- Deeply nested JSON -----------------------------------------------------------------------


def test_deeply_nested_json_is_a_400():
    # given
    client = client_for(UserFactory())
    # when
    response = client.post(reverse("api:cart-line-list"), "[" * 100_000, content_type="application/json")
    # then
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_deeply_nested_json_inside_a_form_field_is_a_400():
    # given: a seller publishing a post with its tags as a JSON string beside the pictures
    seller = SellerFactory()
    StoreFactory(owner=seller)
    client = client_for(seller)
    # when
    response = client.post(reverse("api:post-list"), {"caption": "Hi", "tags": "[" * 100_000})
    # then
    assert response.status_code == 400
    assert "nested" in json.dumps(response.json())


# --- Every error under /api/ is JSON ------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_api_path_is_a_json_404(settings, debug, method):
    # given
    settings.DEBUG = debug
    # when
    response = getattr(client_for(), method)("/api/v1/no-such-thing/")
    slashless = client_for().get("/api/v1/products")
    # then
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    assert slashless.status_code == 404 and slashless["Content-Type"] == "application/json"


def test_a_method_the_endpoint_does_not_take_is_a_json_405():
    # when
    response = client_for(UserFactory()).put(reverse("api:cart"))
    # then
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def test_a_browser_gets_json_from_the_api_too():
    # given
    product = ProductFactory()
    # when
    response = client_for().get(reverse("api:product-detail", args=[product.slug]), HTTP_ACCEPT=BROWSER_ACCEPT)
    # then
    assert response.status_code == 200 and response["Content-Type"] == "application/json"


def test_a_csrf_failure_under_the_api_is_json(client):
    # given: a session login, without the CSRF token, to a view that is not DRF's
    client = type(client)(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    post = make_post()
    # when
    response = client.post(f"/api/v1/posts/{post.pk}/like/")
    unknown = client.post("/api/v1/no-such-thing/")
    # then
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert unknown.status_code == 404 and unknown["Content-Type"] == "application/json"


def test_a_crash_under_the_api_is_a_json_500(client, monkeypatch):
    # given: a view that fails with an unexpected error
    from catalog.api import views

    def explode(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.CategoryViewSet, "get_queryset", explode)
    client.raise_request_exception = False
    # when
    response = client.get(reverse("api:category-list"))
    # then
    assert response.status_code == 500
    assert response.json() == {"detail": "Server error."}


def test_a_bare_validation_error_is_an_object_of_the_error_shape():
    # given
    from rest_framework import exceptions

    from shop.api import exception_handler

    # when
    response = exception_handler(exceptions.ValidationError("Not like this."), {})
    # then
    assert response.status_code == 400
    assert response.data == {"detail": ["Not like this."]}
