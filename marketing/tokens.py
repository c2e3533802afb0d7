"""Signed links of marketing email (``django.core.signing``: a changed character is a
``BadSignature``).

- The double opt-in link names the consent request (contact and event) and expires after
  ``MARKETING_CONFIRM_DAYS`` days.
- The unsubscribe link names the store and the address (its hash): it works for as long as
  the store exists, whatever happens to the contact (merged, erased), as RFC 8058 expects.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from marketing.models import address_hash

CONFIRM_SALT = "marketing.consent.confirm"
UNSUBSCRIBE_SALT = "marketing.unsubscribe"
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"


class ExpiredLink(Exception):
    """A confirmation link whose time ran out: ask again."""


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def confirm_token(*, contact_id: int, event_id: int) -> str:
    return signing.dumps({"c": contact_id, "e": event_id}, salt=CONFIRM_SALT)


def read_confirm_token(token: str) -> tuple[int, int]:
    """``(contact_id, event_id)``. Raises ``ExpiredLink`` past its time and
    ``signing.BadSignature`` for a changed or malformed token."""
    max_age = settings.MARKETING_CONFIRM_DAYS * 24 * 3600
    try:
        value = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ExpiredLink from exc
    if not isinstance(value, dict) or not isinstance(value.get("c"), int) or not isinstance(value.get("e"), int):
        raise signing.BadSignature("Malformed confirmation token")
    return value["c"], value["e"]


def confirm_url(*, contact_id: int, event_id: int) -> str:
    return absolute(
        reverse("marketing:confirm", kwargs={"token": confirm_token(contact_id=contact_id, event_id=event_id)})
    )


def unsubscribe_token(*, store_id: int, email: str) -> str:
    return signing.dumps({"s": store_id, "a": address_hash(email)}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """``(store_id, address_hash)``; ``signing.BadSignature`` if it was tampered with."""
    value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("s"), int)
        or not isinstance(value.get("a"), str)
        or len(value["a"]) != 64
    ):
        raise signing.BadSignature("Malformed unsubscribe token")
    return value["s"], value["a"]


def unsubscribe_url(*, store_id: int, email: str) -> str:
    return absolute(
        reverse("marketing:unsubscribe", kwargs={"token": unsubscribe_token(store_id=store_id, email=email)})
    )


def list_unsubscribe_headers(contact) -> dict[str, str]:
    """The headers every marketing email to ``contact`` carries (RFC 2369 and RFC 8058): the
    one-click URL, which a mail client POSTs ``List-Unsubscribe=One-Click`` to. ``contact``
    must have a consent (its address is the one unsubscribed)."""
    url = unsubscribe_url(store_id=contact.store_id, email=contact.consent.email)
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK_BODY}
