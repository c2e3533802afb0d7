"""A real Stripe-compatible server for the card-payment tests: localstripe (PyPI).

``localstripe_server`` (session) starts it once, in a subprocess, on a free low port of
127.0.0.1 only, and waits until it answers. If it cannot start, the tests that need it
ERROR: they never skip (CI must not pass without having talked to it).

``localstripe`` (per test) empties its data, points the settings at it (which also turns
card payments on) and gives helpers: a ``stripe.StripeClient`` on it, ``pay()`` (what
Stripe.js does when the buyer confirms), raw JSON reads, and ``sign()``, which signs a
webhook payload exactly as Stripe does, with the ``stripe`` library's own code.

localstripe behaviours worked around here (localstripe 1.15.10):
- it binds every interface and has no host option: it is started with aiohttp's
  ``web.run_app`` on a socket this process bound to 127.0.0.1 (passed to the child, so two
  test runs at once can never race for the same port);
- it pickles its whole store to the shared ``/tmp/localstripe.pickle`` after every write;
  the child turns that off (we never load it: every test starts from empty data);
- ``POST /v1/payment_intents/<id>/confirm`` with ``payment_method`` is "500 Not
  implemented": ``pay()`` sets the payment method first, then confirms;
- registered webhooks survive ``DELETE /_config/data`` and cannot be deleted: the fixture
  re-registers any it registered with an event filter nothing matches.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import pytest
import stripe

SECRET_KEY = "sk_test_etalase"
PUBLISHABLE_KEY = "pk_test_etalase"
WEBHOOK_SECRET = "whsec_test_etalase"

# Low ports: 32768-60999 are the kernel's ephemeral range, where outgoing connections
# (a load generator's, say) may hold the port we picked.
PORT_RANGE = (20000, 32000)

CHILD = """
import socket, sys
from aiohttp import web
from localstripe import server

server.store.dump_to_disk = lambda: None  # no shared /tmp/localstripe.pickle
sock = socket.socket(fileno=int(sys.argv[1]))
web.run_app(server.app, sock=sock, print=None, handle_signals=True)
"""


def _bind_loopback() -> socket.socket:
    for _attempt in range(50):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", random.randint(*PORT_RANGE)))
        except OSError:
            sock.close()
            continue
        sock.listen(64)
        return sock
    raise RuntimeError("no free port on 127.0.0.1 for localstripe")


def _http(method: str, url: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 5):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read()


@pytest.fixture(scope="session")
def localstripe_server():
    """localstripe listening on 127.0.0.1; yields its base URL. Fails loudly if it cannot start."""
    with tempfile.TemporaryFile() as log:
        process, url = _start_localstripe(log)
        try:
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _start_localstripe(log) -> tuple[subprocess.Popen, str]:
    sock = _bind_loopback()
    port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(sock.fileno())],
        pass_fds=[sock.fileno()],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    sock.close()  # the child holds its own copy
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"localstripe exited with {process.returncode}:\n{log.read().decode(errors='replace')}")
        try:
            status, _body = _http("GET", f"{url}/v1/balance", headers={"Authorization": f"Bearer {SECRET_KEY}"})
            if status == 200:
                return process, url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            log.seek(0)
            raise RuntimeError(f"localstripe did not answer on {url}:\n{log.read().decode(errors='replace')}")
        time.sleep(0.05)


@dataclass
class LocalStripe:
    url: str
    webhook_secret: str = WEBHOOK_SECRET
    _webhooks: list[str] = field(default_factory=list)

    @property
    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(SECRET_KEY, base_addresses={"api": self.url}, max_network_retries=0)

    # --- Raw JSON, as Stripe sends it -------------------------------------------------

    def get(self, path: str) -> dict:
        _status, body = _http("GET", f"{self.url}{path}", headers={"Authorization": f"Bearer {SECRET_KEY}"})
        return json.loads(body)

    def intent(self, intent_id: str) -> dict:
        return self.get(f"/v1/payment_intents/{intent_id}")

    def intents(self) -> list[dict]:
        return self.get("/v1/payment_intents?limit=100")["data"]

    def refunds(self, intent_id: str) -> list[dict]:
        return self.get(f"/v1/refunds?payment_intent={intent_id}")["data"]

    def events(self, event_type: str, intent_id: str | None = None) -> list[dict]:
        """The events localstripe itself recorded (the ones it would deliver to a webhook)."""
        found = self.get(f"/v1/events?type={event_type}&limit=100")["data"]
        return [e for e in found if intent_id is None or e["data"]["object"]["id"] == intent_id]

    # --- What the buyer's browser does -------------------------------------------------

    def pay(self, intent_id: str, payment_method: str = "pm_card_visa"):
        """Confirm the intent with a test card, as Stripe.js's confirmPayment does. localstripe
        cannot take ``payment_method`` on confirm (500), so it is set first. A declined card
        raises ``stripe.CardError``, as Stripe answers the browser."""
        self.client.v1.payment_intents.update(intent_id, params={"payment_method": payment_method})
        return self.client.v1.payment_intents.confirm(intent_id)

    # --- Webhooks ---------------------------------------------------------------------

    def sign(self, payload: str | bytes, *, secret: str | None = None, timestamp: int | None = None) -> str:
        """The ``Stripe-Signature`` header Stripe would send: ``t=<unix>,v1=<HMAC-SHA256 of
        "<t>.<payload>">``, computed by the stripe library itself."""
        if isinstance(payload, bytes):
            payload = payload.decode()
        return stripe.WebhookSignature.generate_signature_header(
            payload, secret or self.webhook_secret, timestamp=timestamp
        )

    def register_webhook(self, url: str, events: list[str] | None = None) -> None:
        """Have localstripe deliver events to ``url``, signed with ``webhook_secret``.

        localstripe looks the webhooks up one second after an event happened: waiting that
        long first keeps earlier tests' events from reaching ``url``."""
        time.sleep(1.2)
        webhook_id = f"etalase{len(self._webhooks)}"
        body = {"url": url, "secret": self.webhook_secret}
        if events is not None:
            body["events"] = events
        _http(
            "POST",
            f"{self.url}/_config/webhooks/{webhook_id}",
            json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )
        self._webhooks.append(webhook_id)

    def _disable_webhooks(self) -> None:
        # localstripe cannot delete a webhook: filter it to an event type that never happens.
        for webhook_id in self._webhooks:
            body = {"url": "http://127.0.0.1:9/", "secret": "unused", "events": ["etalase.none"]}
            _http(
                "POST",
                f"{self.url}/_config/webhooks/{webhook_id}",
                json.dumps(body).encode(),
                {"Content-Type": "application/json"},
            )
        self._webhooks.clear()

    def reset(self) -> None:
        _http("DELETE", f"{self.url}/_config/data")


def event_payload(intent: dict, event_type: str, *, event_id: str | None = None) -> str:
    """A Stripe event around ``intent`` (a payment intent's JSON), as a webhook body."""
    event = {
        "id": event_id or f"evt_{random.getrandbits(64):016x}",
        "object": "event",
        "api_version": "2017-08-15",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": intent},
    }
    return json.dumps(event, indent=2, sort_keys=True)


@pytest.fixture
def localstripe(localstripe_server, settings):
    """localstripe with empty data, and the settings pointed at it (card payments on)."""
    server = LocalStripe(url=localstripe_server)
    server.reset()
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe_server
    try:
        yield server
    finally:
        server._disable_webhooks()


@pytest.fixture
def deliver(client, localstripe):
    """POST a webhook body to our endpoint, signed like Stripe (or with ``signature``)."""
    from django.urls import reverse

    def deliver(payload: str | bytes, *, signature: str | None = None, **headers):
        if signature is None:
            signature = localstripe.sign(payload)
        if signature:
            headers["HTTP_STRIPE_SIGNATURE"] = signature
        return client.post(reverse("checkout:stripe_webhook"), data=payload, content_type="application/json", **headers)

    return deliver


@pytest.fixture
def card_checkout(localstripe):
    """``card_checkout(buyer, (variant, qty), ...)``: a card checkout placed through the real
    service, with its PaymentIntent created on localstripe."""
    from checkout.payments import stripe as stripe_provider
    from tests.factories import place

    def make(buyer, *lines):
        placed = place(buyer, *lines, method="card")
        stripe_provider.ensure_intent(placed.payment)
        return placed

    return make


@pytest.fixture
def succeeded_event(localstripe):
    """Pay ``payment``'s intent with a test card on localstripe; return the webhook body of the
    ``payment_intent.succeeded`` event localstripe recorded for it (what it would deliver)."""

    def make(payment, payment_method: str = "pm_card_visa") -> str:
        localstripe.pay(payment.stripe_payment_intent, payment_method)
        (event,) = localstripe.events("payment_intent.succeeded", payment.stripe_payment_intent)
        return json.dumps(event, indent=2, sort_keys=True)

    return make
