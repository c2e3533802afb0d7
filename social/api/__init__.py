"""The social REST API: profiles, follows, blocks, posts with shoppable tags, likes, saves,
comments, and the feeds.

``permissions`` (who may change what), ``serializers`` (input and output shapes), ``views``
(mounted by ``social.api_urls``).

Thin views over the same services and selectors as the HTML pages. Feeds and other long
lists are keyset pages: ``{"results": [...], "next": "<URL with ?cursor=...>" or null}``;
follow ``next`` until it is null, never build a cursor yourself (a forged one is a 400).

Visibility: a post hidden by staff, or whose author blocked you (or whom you blocked), does
not exist for you (404). Only a post's author edits it, deletes it or moves its tags (403).
Prices are integers in the currency's minor unit, with ``currency`` and ``price_display``.
"""
