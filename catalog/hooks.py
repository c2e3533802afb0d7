"""Product lists that a higher layer may decorate, without catalog importing it.

A product card shows the product's rating, which social keeps. catalog must not import
social, so social registers, in its ``AppConfig.ready()``, a function that takes the
products of the page being shown and attaches what it owns to each of them:

    hooks.register_product_list_decorator(attach_rating_summaries)

catalog's views call ``decorate_product_list(products)`` with the products of one page
(a list, already fetched). A decorator must cost a constant number of queries whatever
the number of products (one ``WHERE product_id IN (...)`` query, typically), set its
attribute on every product (``None`` when there is nothing to show), and never write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from catalog.models import Product

ProductListDecorator = Callable[[list[Product]], None]
_decorators: list[ProductListDecorator] = []


def register_product_list_decorator(decorator: ProductListDecorator) -> None:
    if decorator not in _decorators:
        _decorators.append(decorator)


def decorate_product_list(products: Iterable[Product]) -> list[Product]:
    """``products`` as a list, each decorated by every registered decorator."""
    products = list(products)
    if products:
        for decorator in _decorators:
            decorator(products)
    return products
