from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The version (``shop.stencil.version``) of what the shop's catalog pages show: the product
# pages, the lists, categories and search. The apps above add their own models to it.
CATALOG_PAGES = "catalog"


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from catalog.models import Category, Product, ProductImage, ProductVariant, Store
        from shop import stencil

        stencil.watch(CATALOG_PAGES, Product, ProductVariant, ProductImage, Store, Category)
