"""Checkout's REST API: the cart, the address book, the quote and placing orders, payments,
the buyer's orders and the seller's order desk.

``permissions`` (who may act), ``serializers`` (input and output shapes), ``pagination``
(keyset pages of orders), ``views`` (mounted by ``checkout.api_urls``).

Thin views over the same services as the HTML pages (``checkout.services``,
``checkout.payments``): input serializers check types and shapes, the services apply the
rules. Every endpoint needs a login, and everything is scoped to the caller: another
shopper's cart line, address, payment or order does not exist for you (404).

Money: every amount is an integer in the currency's minor unit (sen for IDR:
``15000000`` is Rp 150.000), with a ``currency`` code and a formatted ``*_display``
string beside it. Amounts are always computed on the server: a price or a total in a
request is ignored.

Errors: 400 names each invalid field; 409 ``{"detail": ..., "code": ...}`` when the
world moved under the request (``out_of_stock``, ``quote_changed``,
``illegal_transition``).
"""
