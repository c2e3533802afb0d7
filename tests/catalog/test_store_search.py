"""The site's search finds stores too: by name, handle or description, shown above the products
with a link to each store, and the same search in the API's store list."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from catalog import selectors
from tests.factories import ProductFactory, StoreFactory, VariantFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("catalog:search")
STORE_SECTION = re.compile(
    r'<section class="store-results" aria-labelledby="store-results-title">(.*?)</section>', re.S
)


@pytest.fixture
def stores():
    return {
        "kopi": StoreFactory(name="Kopi Kintamani", slug="kopi-kintamani", description="Arabika dari Bali"),
        "handle": StoreFactory(name="Warung Bu Sari", slug="sari-batik", description="Lauk rumahan"),
        "described": StoreFactory(name="Rumah Kain", slug="rumah-kain", description="Batik tulis dari Solo"),
        "closed": StoreFactory(name="Batik Tutup", slug="batik-tutup", is_active=False),
        "other": StoreFactory(name="Toko Roti", slug="toko-roti", description="Roti manis"),
    }


def _names(stores) -> list[str]:
    return [store.name for store in stores]


def _store_section(response) -> str:
    match = STORE_SECTION.search(response.content.decode())
    return match.group(1) if match else ""


def test_stores_are_found_by_name_handle_or_description_name_and_handle_first(stores):
    # then: "batik" names one store's handle and another's description; the closed one never shows
    assert _names(selectors.store_list(q="batik")) == ["Warung Bu Sari", "Rumah Kain"]
    assert _names(selectors.store_list(q="KINTAMANI")) == ["Kopi Kintamani"]
    # every word must match, somewhere
    assert _names(selectors.store_list(q="batik solo")) == ["Rumah Kain"]
    assert _names(selectors.store_list(q="batik roti")) == []
    # no words: every open store, by name (the API's list)
    assert "Batik Tutup" not in _names(selectors.store_list(q="  "))
    assert selectors.store_results(q="&&") == []


def test_the_search_page_shows_matching_stores_above_the_products_with_links(client, stores):
    # given a product that the word finds too
    product = ProductFactory(store=stores["other"], title="Kopi Susu Roti")
    VariantFactory(product=product)
    # when
    response = client.get(SEARCH, {"q": "kopi"})
    # then
    page = response.content.decode()
    section = _store_section(response)
    assert response.status_code == 200
    assert f'href="{stores["kopi"].get_absolute_url()}"' in section and "Kopi Kintamani" in section
    assert "@kopi-kintamani" in section and "Toko Roti" not in section
    assert page.index("store-results-title") < page.index(product.get_absolute_url())


def test_stores_show_on_the_first_page_of_results_only(client, stores):
    # given two pages of products the word finds
    for number in range(25):
        VariantFactory(product=ProductFactory(title=f"Kopi {number}"))
    # then
    assert "Kopi Kintamani" in _store_section(client.get(SEARCH, {"q": "kopi"}))
    assert _store_section(client.get(SEARCH, {"q": "kopi", "page": 2})) == ""


def test_a_store_found_without_products_shows_above_the_products_empty_state(client, stores):
    # when
    response = client.get(SEARCH, {"q": "lauk"})
    # then
    assert "Warung Bu Sari" in _store_section(response)
    assert "No products match" in response.content.decode()


def test_a_search_that_finds_nothing_shows_the_empty_state_and_no_stores(client, stores):
    # when
    response = client.get(SEARCH, {"q": "durian"})
    # then
    assert response.status_code == 200
    assert _store_section(response) == "" and "store-results-title" not in response.content.decode()
    assert "No products match" in response.content.decode()


def test_the_product_list_without_words_lists_no_stores(client, stores):
    assert "store-results-title" not in client.get(reverse("catalog:product_list")).content.decode()


def test_a_store_found_is_escaped(client):
    # given a store whose name and handle are not HTML-safe
    StoreFactory(name='<script>alert("x")</script> Batik & Co', slug="batik-co")
    # when
    section = _store_section(client.get(SEARCH, {"q": "batik"}))
    # then
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Batik &amp; Co" in section
    assert "<script>" not in section


def test_the_api_store_list_searches_the_same_way(stores):
    # given
    api = APIClient()
    # when
    found = api.get("/api/v1/stores/", {"q": "batik"})
    everything = api.get("/api/v1/stores/")
    too_long = api.get("/api/v1/stores/", {"q": "x" * 101})
    # then
    assert found.status_code == 200
    assert [store["name"] for store in found.json()["results"]] == ["Warung Bu Sari", "Rumah Kain"]
    assert found.json()["results"][0]["web_url"] == "http://testserver" + stores["handle"].get_absolute_url()
    assert [store["name"] for store in everything.json()["results"]] == sorted(
        store.name for key, store in stores.items() if key != "closed"
    )
    assert too_long.status_code == 400 and "q" in str(too_long.json())
