"""The provider's tracking webhooks as django-anymail receives them (Mailgun's signed JSON,
verified by anymail's own view), the suppressions they bring, an order credited to the
campaign its buyer clicked, the event recorder's campaign touch, and the report."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from insights.models import Touch, TouchKind
from marketing import selectors
from marketing.campaign_models import Campaign, CampaignOrder, Recipient
from marketing.campaigns import engine, tracking
from marketing.models import Suppression
from shop import events
from tests.factories import StoreFactory, UserFactory
from tests.marketing.campaign_helpers import bulk_mailable, campaign_for, mailable_contact
from tests.marketing.helpers import paid_order

pytestmark = pytest.mark.django_db

SIGNING_KEY = "key-test-signing-0123456789"
WEBHOOK = "/anymail/mailgun/tracking/"
BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


@pytest.fixture(autouse=True)
def _mailgun(settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "MAILGUN_API_KEY": "key-test"}


def mailgun_payload(event: str, recipient: Recipient, email: str, *, key: str = SIGNING_KEY, **extra) -> dict:
    """A Mailgun webhook body as Mailgun posts it, signed with ``key``."""
    timestamp, token = str(int(time.time())), hashlib.sha256(f"{event}{recipient.pk}".encode()).hexdigest()[:50]
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {
            "event": event,
            "timestamp": time.time(),
            "id": token[:22],
            "recipient": email,
            "message": {"headers": {"message-id": recipient.message_id.strip("<>")}},
            "user-variables": {"recipient": str(recipient.pk)},
            **extra,
        },
    }


def post(client, payload):
    return client.post(WEBHOOK, data=json.dumps(payload), content_type="application/json")


@pytest.fixture
def sent_campaign(django_capture_on_commit_callbacks):
    store = StoreFactory()
    buyer = UserFactory()
    contact = mailable_contact(store, "sari@example.com", user=buyer)
    bulk_mailable(store, 9)
    campaign = campaign_for(store)
    with django_capture_on_commit_callbacks(execute=True):
        engine.start_campaign(campaign)
    return campaign, Recipient.objects.get(contact=contact), buyer


def test_delivered_and_opened_webhooks_are_verified_and_recorded(sent_campaign):
    campaign, recipient, _buyer = sent_campaign
    client = Client()
    assert post(client, mailgun_payload("delivered", recipient, "sari@example.com")).status_code == 200
    assert post(client, mailgun_payload("opened", recipient, "sari@example.com")).status_code == 200
    recipient.refresh_from_db()
    assert recipient.delivered_at is not None and recipient.opened_at is not None
    # a payload signed with another key is refused and records nothing
    other = Recipient.objects.filter(campaign=campaign).exclude(pk=recipient.pk).first()
    assert post(client, mailgun_payload("delivered", other, "x@example.com", key="wrong")).status_code == 400
    other.refresh_from_db()
    assert other.delivered_at is None
    report = tracking.campaign_report(campaign)
    assert (report.sent, report.delivered) == (10, 1)


def test_a_hard_bounce_and_a_complaint_suppress_the_address_and_complaints_pause(sent_campaign):
    campaign, recipient, _buyer = sent_campaign
    client = Client()
    # a temporary failure is not a bounce
    temporary = mailgun_payload("failed", recipient, "sari@example.com", severity="temporary", reason="generic")
    assert post(client, temporary).status_code == 200
    assert not Suppression.objects.exists()
    hard = mailgun_payload("failed", recipient, "sari@example.com", severity="permanent", reason="bounce")
    assert post(client, hard).status_code == 200
    assert Suppression.objects.filter(reason=Suppression.Reason.HARD_BOUNCE).count() == 1
    assert not selectors.mailable_contacts(store=campaign.store).filter(pk=recipient.contact_id).exists()
    # one complaint in ten sent is over 0.1 %: the campaign pauses
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.SENDING)
    other = Recipient.objects.filter(campaign=campaign).exclude(pk=recipient.pk).first()
    assert post(client, mailgun_payload("complained", other, other.contact.consent.email)).status_code == 200
    assert Suppression.objects.filter(reason=Suppression.Reason.COMPLAINT).count() == 1
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.PAUSED
    report = tracking.campaign_report(campaign)
    assert (report.bounced, report.complained) == (1, 1)


def test_an_order_within_seven_days_of_a_click_is_credited_to_the_campaign(
    sent_campaign, settings, django_capture_on_commit_callbacks
):
    settings.EVENTS_REDIS_URL = ""  # events stay in the process until flushed
    campaign, recipient, buyer = sent_campaign
    message = next(message for message in mail.outbox if message.to == ["sari@example.com"])
    click = re.search(r"https?://[^/\s]+(/m/c/[^\s]+)", message.body).group(1)
    events.discard()
    Client(HTTP_USER_AGENT=BROWSER).get(click)
    # the click is recorded as a campaign touch for insights, through the event recorder
    events.flush()
    (touch,) = Touch.objects.filter(kind=TouchKind.CAMPAIGN)
    assert (touch.store_id, touch.ref_id, touch.user_id) == (campaign.store_id, campaign.pk, buyer.pk)
    # an order paid now is credited; one from another store is not
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(buyer, campaign.store, price=20_000_000)
        paid_order(buyer, StoreFactory())
    credited = CampaignOrder.objects.get()
    assert (credited.campaign_id, credited.order_id, credited.amount) == (campaign.pk, order.pk, order.total)
    report = tracking.campaign_report(campaign)
    assert (report.clicked, report.orders, report.revenue) == (1, 1, order.total)


def test_an_order_after_the_seven_days_is_not_credited(sent_campaign, django_capture_on_commit_callbacks):
    campaign, recipient, buyer = sent_campaign
    Recipient.objects.filter(pk=recipient.pk).update(clicked_at=timezone.now() - timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        paid_order(buyer, campaign.store)
    assert not CampaignOrder.objects.exists()
    # the same order a day after the click is credited
    Recipient.objects.filter(pk=recipient.pk).update(clicked_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        paid_order(buyer, campaign.store)
    assert CampaignOrder.objects.filter(campaign=campaign).count() == 1


def test_an_order_paid_before_the_click_is_not_credited(sent_campaign, django_capture_on_commit_callbacks):
    # given: the buyer's click comes a few minutes after the payment (the signal was late)
    campaign, recipient, buyer = sent_campaign
    Recipient.objects.filter(pk=recipient.pk).update(clicked_at=timezone.now() + timedelta(minutes=5))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        paid_order(buyer, campaign.store)
    # then: the click came after the payment and earned nothing
    assert not CampaignOrder.objects.exists()
