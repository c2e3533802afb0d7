"""Outgoing email: rendered in the request, sent by a Celery task after commit."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.template import Context, Engine

from shop.broker import publish

log = logging.getLogger(__name__)


def render_plain_text(template_name: str, context: dict) -> str:
    """Render a plain-text template (an email's subject or text part) without HTML escaping.

    Autoescaping protects HTML; in a text/plain part it only garbles what people wrote
    (``<`` arrives as ``&lt;``). The HTML part is rendered as usual, escaped.
    """
    template = Engine.get_default().get_template(template_name)
    return template.render(Context(context, autoescape=False))


def queue_email(message: EmailMessage) -> None:
    """Send ``message`` through the worker once the current transaction commits.

    Only plain data crosses to the task, so it serialises to JSON.
    """
    html = None
    if isinstance(message, EmailMultiAlternatives):
        html = next((content for content, mimetype in message.alternatives if mimetype == "text/html"), None)
    payload = {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "html": html,
        "headers": dict(message.extra_headers or {}),
    }
    transaction.on_commit(lambda: _hand_over(message, payload))


def _hand_over(message: EmailMessage, payload: dict) -> None:
    from shop.tasks import send_email

    if publish(send_email, **payload):
        return
    # The broker is down. An account email (a sign-up confirmation, a password reset) is
    # wanted now and has no row to wait in: send it from here.
    try:
        message.send()
    except Exception:
        log.exception("Could not send the email %r to %s (the broker is down too).", message.subject, message.to)
