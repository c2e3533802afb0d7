"""Notification emails: rendered at send time in the recipient's language, with a signed
one-click unsubscribe link for every kind a user may turn off."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from shop.emails import render_plain_text
from shop.models import Notification
from shop.notifications import kinds

UNSUBSCRIBE_SALT = "shop.notifications.unsubscribe"


def unsubscribe_token(user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """``(user_id, kind)`` from a token; ``signing.BadSignature`` if it was tampered with."""
    value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(value, dict) or not isinstance(value.get("u"), int) or not isinstance(value.get("k"), str):
        raise signing.BadSignature("Malformed unsubscribe token")
    return value["u"], value["k"]


def absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"


def recipient_language(user) -> str:
    available = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in available else settings.LANGUAGE_CODE


def build_email(notification: Notification) -> EmailMultiAlternatives:
    """The email of ``notification``, in its recipient's language."""
    kind = kinds.get(notification.kind)
    if kind is None or not kind.emails:
        raise ValueError(f"Notification kind {notification.kind!r} has no email")
    recipient = notification.recipient
    with translation.override(recipient_language(recipient)):
        context = {
            "notification": notification,
            "recipient": recipient,
            "actor": notification.actor,
            "data": notification.data,
            "site_name": "Etalase",
            "site_url": settings.SITE_URL,
            "target_url": absolute(notification.target_url) if notification.target_url else settings.SITE_URL,
            "text": kind.text(notification.actor.display_name if notification.actor else "", 0, notification.data),
        }
        headers = {}
        if not kind.transactional:
            token = unsubscribe_token(recipient.pk, kind.name)
            url = absolute(reverse("notifications:unsubscribe", kwargs={"token": token}))
            context["unsubscribe_url"] = url
            context["preferences_url"] = absolute(reverse("notifications:preferences"))
            headers["List-Unsubscribe"] = f"<{url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        if kind.email_context is not None:
            context.update(kind.email_context(notification))
        subject = " ".join(render_plain_text(f"{kind.email_template}_subject.txt", context).split())
        body = render_plain_text(f"{kind.email_template}.txt", context)
        html = render_to_string(f"{kind.email_template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[recipient.email], headers=headers
    )
    message.attach_alternative(html, "text/html")
    return message
