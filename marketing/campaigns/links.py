"""Signed links of campaign emails: a click (recipient and link key) and the open pixel.

Compact ``django.core.signing.Signer`` values (no JSON, no timestamp): a click link must work
for as long as the email is kept, and a changed character is a ``BadSignature`` (a 400).

Link keys name the target without storing it: ``s`` the store's page, ``p<id>`` a product's
page, ``b<n>`` the URL of the campaign's block number ``n`` (a button or a picture).
"""

from __future__ import annotations

import functools
import re

from django.core import signing
from django.urls import get_script_prefix, reverse

from marketing.tokens import absolute

CLICK_SALT = "marketing.campaign.click"
OPEN_SALT = "marketing.campaign.open"
LINK_KEY = re.compile(r"^(s|p\d{1,18}|b\d{1,3})$")

_click = signing.Signer(salt=CLICK_SALT)
_open = signing.Signer(salt=OPEN_SALT)


def click_token(*, recipient_id: int, key: str) -> str:
    return _click.sign(f"{recipient_id}.{key}")


def read_click_token(token: str) -> tuple[int, str]:
    """``(recipient_id, link key)``; ``signing.BadSignature`` when changed or malformed."""
    value = _click.unsign(token)
    recipient, _dot, key = value.partition(".")
    if not recipient.isdigit() or not LINK_KEY.match(key):
        raise signing.BadSignature("Malformed click token")
    return int(recipient), key


def open_token(*, recipient_id: int) -> str:
    return _open.sign(str(recipient_id))


def read_open_token(token: str) -> int:
    value = _open.unsign(token)
    if not value.isdigit():
        raise signing.BadSignature("Malformed open token")
    return int(value)


# The paths, reversed once per URL prefix: the sending loop builds several links per email, and
# ``reverse`` is a good part of a personalised email's cost. Signed tokens hold only characters
# that ``reverse`` leaves as they are (letters, digits, "-", "_", ":", "."), so putting one in
# the reversed path gives the same URL.
_TOKEN_SLOT = "T0KEN"


@functools.cache
def _path_around(name: str, prefix: str) -> tuple[str, str]:
    before, _slot, after = reverse(name, kwargs={"token": _TOKEN_SLOT}).partition(_TOKEN_SLOT)
    return before, after


def _url(name: str, token: str) -> str:
    before, after = _path_around(name, get_script_prefix())
    return absolute(f"{before}{token}{after}")


def click_url(*, recipient_id: int, key: str) -> str:
    return _url("marketing:click", click_token(recipient_id=recipient_id, key=key))


def open_url(*, recipient_id: int) -> str:
    return _url("marketing:open", open_token(recipient_id=recipient_id))
