"""Feed a saved provider payload to a running site's webhook, signed as the provider would.

    manage.py replay_webhook whatsapp chat/channels/samples/whatsapp_text.json
    manage.py replay_webhook telegram update.json --secret-token <the bot's secret token>
    manage.py replay_webhook whatsapp saved.json --url https://staging.example --times 3

WhatsApp payloads are signed with this site's WHATSAPP_APP_SECRET (X-Hub-Signature-256 over
the exact bytes of the file); Telegram needs the bot's secret token (only its hash is stored,
so it is given here). The file is sent as it is, byte for byte. ``--times`` posts it again, as
a provider's redelivery would (the site stores it once).
"""

from __future__ import annotations

import sys
from pathlib import Path

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from chat.channels import providers


class Command(BaseCommand):
    help = "Post a saved WhatsApp or Telegram webhook payload (a JSON file, or - for stdin) to a running site, signed."

    def add_arguments(self, parser):
        parser.add_argument("provider", choices=["whatsapp", "telegram"])
        parser.add_argument("payload", help="a JSON file as the provider posted it, or - to read stdin")
        parser.add_argument("--url", default=settings.SITE_URL, help="the site's base URL (default: SITE_URL)")
        parser.add_argument("--secret-token", default="", help="Telegram: the bot's webhook secret token")
        parser.add_argument("--times", type=int, default=1, help="post it this many times (redeliveries)")
        parser.add_argument("--timeout", type=float, default=10.0)

    def handle(self, *args, provider, payload, url, secret_token, times, timeout, **options):
        body = sys.stdin.buffer.read() if payload == "-" else self._read(payload)
        headers = {"Content-Type": "application/json"}
        if provider == "whatsapp":
            if not settings.WHATSAPP_APP_SECRET:
                raise CommandError("WHATSAPP_APP_SECRET is not set: the site would refuse the delivery.")
            headers["X-Hub-Signature-256"] = providers.whatsapp_signature(body, settings.WHATSAPP_APP_SECRET)
            path = reverse("chat:whatsapp_webhook")
        else:
            if not secret_token:
                raise CommandError("Give the bot's secret token with --secret-token.")
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
            path = reverse("chat:telegram_webhook")
        target = url.rstrip("/") + path
        for attempt in range(1, max(times, 1) + 1):
            try:
                response = requests.post(target, data=body, headers=headers, timeout=timeout)
            except requests.RequestException as exc:
                raise CommandError(f"Could not reach {target}: {type(exc).__name__}") from None
            self.stdout.write(f"{attempt}: HTTP {response.status_code} {response.text[:200]}")
            if response.status_code >= 400:
                raise CommandError(f"The site answered {response.status_code}.")

    def _read(self, name: str) -> bytes:
        try:
            return Path(name).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {name}: {exc.strerror}") from None
