"""The OpenAPI schema and the Swagger UI page: complete, warning-free and working offline."""

from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

pytestmark = pytest.mark.django_db


class AssetCollector(HTMLParser):
    """Every ``src`` of a script or image and every ``href`` of a link in a page."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def test_the_schema_is_served_as_json_with_the_catalog_endpoints(client):
    # when
    response = client.get("/api/schema/", {"format": "json"})
    # then
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/categories/",
        "/api/v1/categories/{slug}/",
        "/api/v1/stores/",
        "/api/v1/stores/{slug}/",
        "/api/v1/products/",
        "/api/v1/products/{slug}/",
        "/api/v1/products/{product_slug}/variants/",
        "/api/v1/products/{product_slug}/variants/{id}/",
        "/api/v1/products/{product_slug}/images/",
        "/api/v1/products/{product_slug}/images/{id}/",
    ):
        assert path in schema["paths"], path


def test_the_schema_declares_error_responses_and_price_units(client):
    # when
    schema = client.get("/api/schema/", {"format": "json"}).json()
    # then
    create = schema["paths"]["/api/v1/products/"]["post"]["responses"]
    assert {"201", "400", "401", "403"} <= set(create)
    patch = schema["paths"]["/api/v1/products/{slug}/"]["patch"]["responses"]
    assert {"200", "400", "401", "403", "404"} <= set(patch)
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/products/"]["get"]["parameters"]}
    assert "MAJOR units" in parameters["min_price"]["description"]
    variant = schema["components"]["schemas"]["Variant"]["properties"]
    assert "minor unit" in variant["price"]["description"]
    assert "destroy" not in str(schema["paths"]["/api/v1/products/{slug}/"]["delete"].get("summary", "")).lower()
    assert "ARCHIVED" in schema["paths"]["/api/v1/products/{slug}/"]["delete"]["description"]


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    # given
    GENERATOR_STATS.reset()
    # when: raises CommandError on any warning or error, or on an invalid OpenAPI document
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    # then
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3.")


def test_the_docs_page_loads_only_local_static_assets(client):
    # when
    response = client.get("/api/docs/")
    # then
    assert response.status_code == 200
    page = response.content.decode()
    collector = AssetCollector()
    collector.feed(page)
    assert collector.urls, "the page loads Swagger UI's script and stylesheet"
    # Swagger UI's start-up script is served by the page's own view (no inline script, for the
    # Content-Security-Policy); everything else is a static file.
    assert "/api/docs/?script=" in collector.urls
    for url in collector.urls:
        if url == "/api/docs/?script=":
            continue
        assert url.startswith("/static/"), f"{url} is not served by this site"
        path = url.removeprefix("/static/").split("?")[0]
        assert finders.find(path), f"{url} is missing from the static files"
    assert "swagger-ui-bundle.js" in " ".join(collector.urls)
    assert "<script>" not in page and "<style>" not in page, "nothing inline (Content-Security-Policy)"
    script = client.get("/api/docs/?script=").content.decode()
    assert "/api/schema/" in script
    for text in (page, script):
        assert "http://" not in text and "https://" not in text, "no CDN, no online validator"
    assert '"validatorUrl": null' in script
