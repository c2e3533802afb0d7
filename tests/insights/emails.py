"""What the email figures' end-to-end tests share (campaigns: ``test_email_figures``; flows:
``test_flow_email_figures``): the reader's and a link scanner's browsers, the link an email
carries, and a CSV answer as rows."""

import csv
import io
import re

from django.core import mail

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"
SCANNER = "Mozilla/5.0 (compatible; Slackbot-LinkExpanding 1.0)"


def click_path(to: str, *, prefix: str) -> str:
    """The tracked link's path (``/m/c/`` for a campaign, ``/m/f/`` for a flow) in the last
    email sent to ``to``."""
    message = next(message for message in reversed(mail.outbox) if message.to == [to])
    return re.search(rf"https?://[^/\s]+({prefix}[^\s\"<]+)", message.body).group(1)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))
