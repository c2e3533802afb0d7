"""The OpenAPI schema declares the one error body and the error responses each operation gives."""

import pytest

pytestmark = pytest.mark.django_db

ERROR_REF = "#/components/schemas/Error"


@pytest.fixture
def schema(client):
    return client.get("/api/schema/", {"format": "json"}).json()


def codes(schema, path, method) -> set[str]:
    return set(schema["paths"][path][method]["responses"])


def test_the_error_shape_is_one_component_described_in_the_api_description(schema):
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"detail", "code"}
    assert "Errors" in schema["info"]["description"] and "`Error`" in schema["info"]["description"]


def test_every_error_response_of_every_operation_has_the_error_body(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if code.startswith("4") and code != "409":
                    assert response["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}, (path, method)


def test_operations_declare_the_errors_their_permissions_methods_and_paths_give(schema):
    # a body-less action of a signed-in user on an object (the views without a serializer)
    assert {"204", "400", "401", "403", "404", "429"} <= codes(schema, "/api/v1/reviews/{id}/helpful/", "post")
    # a public page of a list: a bad query, a wrong token, a page past the last, a throttle
    assert {"200", "400", "401", "404", "429"} <= codes(schema, "/api/v1/stores/", "get")
    # a public read of one object: no 403 (nothing but a login is checked, and not for reading)
    assert "403" not in codes(schema, "/api/v1/categories/{slug}/", "get")
    # a write with a body: a content type it does not take
    assert {"400", "401", "403", "415", "429"} <= codes(schema, "/api/v1/cart/lines/", "post")
    # the token exchange takes no token: a wrong password is its 401, nothing is refused with a 403
    assert "403" not in codes(schema, "/api/v1/auth/token/", "post")
