import pytest
from django.db import connection

from catalog.models import Product
from catalog.selectors import ProductFilters, product_list, search_products, search_terms
from tests.factories import ProductFactory, StoreFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def products():
    kopi = StoreFactory(name="Kopi Kintamani")
    return {
        "shirt": ProductFactory(title="Kemeja Batik Parang", description="Katun halus"),
        "cloth": ProductFactory(title="Kain Tulis", description="Motif batik klasik dari Solo"),
        "beans": ProductFactory(store=kopi, title="Arabica Beans", description="Single origin"),
        "draft": ProductFactory(title="Batik Draft", status=Product.Status.DRAFT),
    }


def _titles(queryset):
    return [p.title for p in queryset]


def test_search_terms_are_words_only():
    assert search_terms("  Batik & <script> 'tulis' ") == ["batik", "script", "tulis"]


@pytest.mark.parametrize("full_text", [False, True], ids=["fallback", "postgres-full-text"])
def test_every_word_must_match_and_title_matches_rank_first(products, full_text):
    if full_text and connection.vendor != "postgresql":
        pytest.skip("full-text search needs PostgreSQL (CI runs it)")
    # when
    found = search_products(Product.objects.active(), ["batik"], full_text=full_text).order_by("-relevance", "id")
    # then
    assert _titles(found) == ["Kemeja Batik Parang", "Kain Tulis"]
    both = search_products(Product.objects.active(), ["batik", "solo"], full_text=full_text)
    assert _titles(both) == ["Kain Tulis"]
    by_store = search_products(Product.objects.active(), ["kintamani"], full_text=full_text)
    assert _titles(by_store) == ["Arabica Beans"]


@pytest.mark.postgres
def test_postgres_search_matches_word_prefixes(products):
    if connection.vendor != "postgresql":
        pytest.skip("full-text search needs PostgreSQL (CI runs it)")
    found = search_products(Product.objects.active(), ["bat", "par"], full_text=True)
    assert _titles(found) == ["Kemeja Batik Parang"]


def test_the_product_list_searches_and_sorts_by_relevance(products):
    for product in products.values():
        VariantFactory(product=product)
    found = product_list(filters=ProductFilters(q="batik", sort="relevance"))
    assert _titles(found) == ["Kemeja Batik Parang", "Kain Tulis"]
