"""The catalog's REST API: categories, stores, products, their variants and images.

``permissions`` (who may change what), ``serializers`` (input and output shapes), ``views``
(the viewsets mounted by ``catalog.api_urls``).

Thin views over the same services and selectors as the HTML pages: input serializers
check types and shapes, the services apply the rules (a ``django.core.exceptions.ValidationError``
from a service becomes a 400 in ``shop.api.exception_handler``), output serializers
shape the answer.

Money: every price in a request or a response is an integer in the currency's minor unit
(sen for IDR: ``15000000`` is Rp 150.000), with a ``currency`` code and a formatted
``*_display`` string beside it. The one exception is the product list's ``min_price`` and
``max_price`` filters, which take major units (rupiah) exactly like the site's search form.
"""
