"""Sending campaigns in-process (eager tasks, the locmem outbox): once per recipient, only to
mailable contacts, with RFC 8058 headers and signed links; the caps; pause, resume, cancel;
the A/B subject test; the sweeper taking back a dead worker's claims."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from marketing import services
from marketing.campaign_models import Campaign, MarketingSend, Recipient
from marketing.campaigns import engine, tracking
from marketing.models import Source, Suppression
from marketing.sending import may_send_now
from tests.factories import StoreFactory, buyable_variant
from tests.marketing.campaign_helpers import bulk_mailable, campaign_for, mailable_contact

pytestmark = pytest.mark.django_db


def start(campaign, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        engine.start_campaign(campaign)
    campaign.refresh_from_db()


def outbox_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def test_every_mailable_contact_gets_the_campaign_once_and_nobody_else(django_capture_on_commit_callbacks, settings):
    # given mailable contacts, one who unsubscribed, one bounced site-wide, one never confirmed
    settings.MARKETING_CHUNK_SIZE = 7
    store = StoreFactory()
    contacts = bulk_mailable(store, 30)
    left = mailable_contact(store, "left@example.com")
    services.withdraw_consent(contact=left, source=Source.SELLER)
    bounced = mailable_contact(store, "bounced@example.com")
    services.suppress_address(email="bounced@example.com", reason=Suppression.Reason.HARD_BOUNCE)
    asked = services.record_contact(
        store_id=store.pk, seen=[services.Seen("email", "asked@example.com")], source=Source.FORM
    )
    services.ask_consent(contact=asked, email="asked@example.com", source=Source.FORM, text="Yes")
    other_store_contact = mailable_contact(StoreFactory(), "elsewhere@example.com")
    campaign = campaign_for(store)
    # when it is sent
    start(campaign, django_capture_on_commit_callbacks)
    # then each of the 30 got exactly one email, nobody else any
    addresses = sorted(address for message in mail.outbox for address in message.to)
    assert addresses == sorted(f"buyer{n}@example.com" for n in range(30))
    assert campaign.state == Campaign.State.SENT
    assert Recipient.objects.filter(campaign=campaign, state=Recipient.State.SENT).count() == 30
    assert not Recipient.objects.filter(contact__in=[left, bounced, asked, other_store_contact]).exists()
    assert MarketingSend.objects.filter(store=store).count() == 30
    assert {r.contact_id for r in Recipient.objects.filter(campaign=campaign)} == {c.pk for c in contacts}


def test_a_contact_who_unsubscribes_after_the_audience_is_written_is_skipped(django_capture_on_commit_callbacks):
    store = StoreFactory()
    stays = mailable_contact(store, "stays@example.com")
    leaves = mailable_contact(store, "leaves@example.com")
    campaign = campaign_for(store)
    engine.materialise_recipients(campaign)
    Campaign.objects.filter(pk=campaign.pk).update(audience_ready=True)
    # when one unsubscribes before the chunk runs
    services.withdraw_consent(contact=leaves, source=Source.LINK)
    start(campaign, django_capture_on_commit_callbacks)
    # then only the other is mailed; the row says why
    assert [message.to for message in mail.outbox] == [["stays@example.com"]]
    assert Recipient.objects.get(contact=leaves).skip_reason == "not_mailable"
    assert Recipient.objects.get(contact=stays).state == Recipient.State.SENT


def test_the_email_carries_one_click_unsubscribe_and_signed_links_that_work(django_capture_on_commit_callbacks):
    store = StoreFactory()
    variant = buyable_variant(store=store, price=12_500_000)
    contact = mailable_contact(store, "sari@example.com", name="Sari")
    campaign = campaign_for(
        store,
        blocks=[
            {"type": "text", "text": "New arrivals"},
            {"type": "products", "products": [variant.product_id]},
            {"type": "button", "label": "Shop now", "url": "https://example.com/sale"},
        ],
    )
    start(campaign, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    html = message.alternatives[0][0]
    assert "Sari" in message.body and "Sari" in html
    assert "125.000" in message.body or "125,000" in message.body  # the live price
    clicks = re.findall(r"https?://[^/\s]+(/m/c/[^\s\"<]+)", message.body)
    assert len(clicks) == 3  # the product card, the button, the store
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36")
    # a link scanner's fetch leads on but counts no click
    assert Client().get(clicks[0]).status_code == 302
    assert Recipient.objects.get(contact=contact).clicked_at is None
    # a product card's link leads to the product and records the click
    response = client.get(clicks[0])
    assert response.status_code == 302 and response["Location"].endswith(variant.product.get_absolute_url())
    assert Recipient.objects.get(contact=contact).clicked_at is not None
    assert client.get(clicks[1])["Location"] == "https://example.com/sale"
    # a changed character is a 400
    tampered = clicks[1][:-3] + ("A" if clicks[1][-3] != "A" else "B") + clicks[1][-2:]
    assert client.get(tampered).status_code == 400
    # the pixel answers a GIF and records an open
    pixel = re.search(r'<img src="https?://[^/]+(/m/o/[^"]+)"', html).group(1)
    response = client.get(pixel)
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    assert Recipient.objects.get(contact=contact).opened_at is not None
    assert client.get(pixel[:-2] + "x/").status_code == 400


def test_the_weekly_frequency_cap_holds_across_campaigns(django_capture_on_commit_callbacks, settings):
    settings.MARKETING_WEEKLY_CAP = 2
    store = StoreFactory()
    contact = mailable_contact(store, "sari@example.com")
    for n in range(3):
        start(campaign_for(store, name=f"Campaign {n}"), django_capture_on_commit_callbacks)
    # the third campaign skipped her: two emails this week already
    assert MarketingSend.objects.filter(contact=contact).count() == 2
    assert (
        Recipient.objects.filter(contact=contact, state=Recipient.State.SKIPPED, skip_reason="weekly_cap").count() == 1
    )
    assert not may_send_now(store=store, contact=contact).allowed
    # a week later she may be mailed again
    MarketingSend.objects.update(sent_at=timezone.now() - timedelta(days=8))
    assert may_send_now(store=store, contact=contact).allowed


def test_the_hourly_store_cap_holds_and_the_rest_waits(django_capture_on_commit_callbacks, settings):
    settings.MARKETING_HOURLY_CAP = 10
    settings.MARKETING_CHUNK_SIZE = 4
    store = StoreFactory()
    bulk_mailable(store, 25)
    campaign = campaign_for(store)
    start(campaign, django_capture_on_commit_callbacks)
    # ten sent this hour, fifteen wait queued; the campaign is still sending
    assert len(mail.outbox) == 10
    assert Recipient.objects.filter(campaign=campaign, state=Recipient.State.QUEUED).count() == 15
    assert campaign.state == Campaign.State.SENDING
    # an hour later the next ten go
    MarketingSend.objects.update(sent_at=timezone.now() - timedelta(hours=1, seconds=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        engine.send_chunk(campaign.pk)
    assert len(mail.outbox) == 10


def test_pause_resume_and_cancel(django_capture_on_commit_callbacks, settings):
    settings.MARKETING_HOURLY_CAP = 5
    store = StoreFactory()
    bulk_mailable(store, 12)
    campaign = campaign_for(store)
    start(campaign, django_capture_on_commit_callbacks)
    engine.pause_campaign(campaign)
    MarketingSend.objects.update(sent_at=timezone.now() - timedelta(hours=2))
    # a paused campaign sends nothing
    mail.outbox.clear()
    assert engine.send_chunk(campaign.pk) == 0 and not mail.outbox
    with pytest.raises(engine.CampaignStateError):
        engine.pause_campaign(campaign)
    # resumed, it goes on where it stopped
    with django_capture_on_commit_callbacks(execute=True):
        engine.resume_campaign(campaign)
    assert len(mail.outbox) == 5
    # cancelled, the rest stays unsent
    engine.cancel_campaign(campaign)
    MarketingSend.objects.update(sent_at=timezone.now() - timedelta(hours=2))
    assert engine.send_chunk(campaign.pk) == 0
    assert Recipient.objects.filter(campaign=campaign, state=Recipient.State.SENT).count() == 10
    assert Recipient.objects.filter(campaign=campaign, state=Recipient.State.QUEUED).count() == 2


def test_the_ab_subject_with_more_clicks_goes_to_the_rest(django_capture_on_commit_callbacks):
    store = StoreFactory()
    bulk_mailable(store, 200)
    campaign = campaign_for(store, subject="Subject A", subject_b="Subject B", ab_test_percent=20, ab_wait_minutes=60)
    start(campaign, django_capture_on_commit_callbacks)
    # the test share got A or B, half each; the rest waits
    subjects = sorted(message.subject for message in mail.outbox)
    assert len(subjects) == 40 and subjects.count("Subject A") == 20 and subjects.count("Subject B") == 20
    assert Recipient.objects.filter(campaign=campaign, state=Recipient.State.QUEUED, variant="").count() == 160
    # B's readers click more
    Recipient.objects.filter(campaign=campaign, variant="b").order_by("pk")[:1]
    b_ids = list(Recipient.objects.filter(campaign=campaign, variant="b").values_list("pk", flat=True)[:3])
    Recipient.objects.filter(pk__in=b_ids).update(clicked_at=timezone.now())
    # before the set time, the sweeper decides nothing
    mail.outbox.clear()
    engine.sweep()
    assert not mail.outbox
    # after it, B wins and the rest get B
    with django_capture_on_commit_callbacks(execute=True):
        engine.sweep(now=timezone.now() + timedelta(minutes=61))
    campaign.refresh_from_db()
    assert campaign.ab_winner == "b"
    assert len(mail.outbox) == 160 and {message.subject for message in mail.outbox} == {"Subject B"}
    assert campaign.state == Campaign.State.SENT


def test_a_scheduled_campaign_starts_when_due(django_capture_on_commit_callbacks):
    store = StoreFactory()
    mailable_contact(store, "sari@example.com")
    campaign = campaign_for(store)
    engine.schedule_campaign(campaign, at=timezone.now() + timedelta(hours=2))
    mail.outbox.clear()
    engine.sweep()
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        engine.sweep(now=timezone.now() + timedelta(hours=3))
    assert len(mail.outbox) == 1


def test_the_sweeper_requeues_unstarted_claims_and_never_resends_the_one_in_flight(settings):
    # given a worker that died holding a claim: one row was with the mail server, two were not
    store = StoreFactory()
    bulk_mailable(store, 3)
    campaign = campaign_for(store)
    engine.materialise_recipients(campaign)
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.SENDING, audience_ready=True)
    claim, ids, _retry = engine.claim_chunk(campaign, size=10, now=timezone.now() - timedelta(hours=1))
    Recipient.objects.filter(pk=ids[0]).update(state=Recipient.State.SENDING)
    # when the sweeper runs past the lease
    requeued, unknown = engine.recover_stale_claims()
    # then the two go back to the queue and the one in flight is marked interrupted
    assert (requeued, unknown) == (2, 1)
    assert Recipient.objects.get(pk=ids[0]).state == Recipient.State.UNKNOWN
    mail.outbox.clear()
    engine.send_chunk(campaign.pk)
    assert len(mail.outbox) == 2
    assert tracking.campaign_report(campaign).interrupted == 1
    # a live claim is left alone
    assert engine.recover_stale_claims() == (0, 0)


def test_the_complaint_rate_over_a_tenth_of_a_percent_pauses_the_campaign(django_capture_on_commit_callbacks):
    store = StoreFactory()
    bulk_mailable(store, 5)
    campaign = campaign_for(store)
    engine.materialise_recipients(campaign)
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.SENDING, audience_ready=True)
    Recipient.objects.filter(campaign=campaign).update(state=Recipient.State.SENT, sent_at=timezone.now())
    assert not tracking.pause_if_complaints_too_many(campaign)
    Recipient.objects.filter(pk=Recipient.objects.filter(campaign=campaign).first().pk).update(
        complained_at=timezone.now()
    )
    assert tracking.pause_if_complaints_too_many(campaign)
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.PAUSED and campaign.paused_reason == "complaints"


def test_marking_a_row_sent_logs_the_send_with_it_and_leaves_an_interrupted_row_interrupted():
    store = StoreFactory()
    first, second = bulk_mailable(store, 2)
    campaign = campaign_for(store)
    sending = Recipient.objects.create(
        campaign=campaign, contact=first, state=Recipient.State.SENDING, claim="c", message_id="<a>"
    )
    # the sweeper took this one back while it was with the mail server
    taken = Recipient.objects.create(
        campaign=campaign, contact=second, state=Recipient.State.UNKNOWN, claim="c", message_id="<b>"
    )
    for row in (sending, taken):
        engine.mark_sent(
            recipient_id=row.pk, store_id=store.pk, contact_id=row.contact_id, ref="campaign:1", message_id="<p>"
        )
    sending.refresh_from_db()
    taken.refresh_from_db()
    assert (sending.state, sending.message_id) == (Recipient.State.SENT, "<p>")
    assert taken.state == Recipient.State.UNKNOWN and taken.sent_at is None
    # both emails left, so both count towards the caps, at the moment the row says it was sent
    logged = {row.contact_id: row.sent_at for row in MarketingSend.objects.filter(store=store, ref="campaign:1")}
    assert logged == {first.pk: sending.sent_at, second.pk: logged[second.pk]}
