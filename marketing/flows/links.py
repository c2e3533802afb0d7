"""Signed click links of flow emails: like a campaign's (``marketing.campaigns.links``: the
same link keys, no timestamp, a changed character is a 400), naming the ``FlowSend`` (the
step sent to one enrolment) under a salt of their own, so a campaign token is never a flow
token."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from marketing.campaigns.links import LINK_KEY
from marketing.tokens import absolute

CLICK_SALT = "marketing.flow.click"

_click = signing.Signer(salt=CLICK_SALT)


def click_token(*, send_id: int, key: str) -> str:
    return _click.sign(f"{send_id}.{key}")


def read_click_token(token: str) -> tuple[int, str]:
    """``(flow send id, link key)``; ``signing.BadSignature`` when changed or malformed."""
    value = _click.unsign(token)
    send, _dot, key = value.partition(".")
    if not send.isdigit() or not LINK_KEY.match(key):
        raise signing.BadSignature("Malformed click token")
    return int(send), key


def click_url(*, send_id: int, key: str) -> str:
    return absolute(reverse("marketing:flow_click", kwargs={"token": click_token(send_id=send_id, key=key)}))
