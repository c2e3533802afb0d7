"""Contacts are gathered from every place a store met a person: orders as they are placed,
site chats, WhatsApp and Telegram contacts, followers (``gather_contacts``, idempotent), and
the store page's sign-up form and the checkout's checkbox (end to end, through the pages)."""

import re

import pytest
from django.core import mail
from django.test import Client

from chat.channels.choices import Channel
from chat.channels.contacts import ensure_contact
from marketing import selectors, services
from marketing.models import ConsentEvent, Contact, EmailConsent, Source
from social.services import follow, profile_for_store, profile_for_user, unfollow
from tests.chat.factories import conversation, say
from tests.factories import AddressFactory, StoreFactory, UserFactory, buyable_variant, checkout_cart, place

pytestmark = pytest.mark.django_db


def identities(contact) -> set[tuple[str, str, bool]]:
    return {(row.kind, row.value, row.verified) for row in contact.identities.all()}


def test_a_placed_order_makes_its_buyer_a_contact_of_the_store(django_capture_on_commit_callbacks):
    # given
    buyer = UserFactory(first_name="Ani")
    variant = buyable_variant()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        place(buyer, (variant, 1))
    # then: one contact, known by the account and its verified address, and the order's phone
    [contact] = Contact.objects.filter(store=variant.store)
    assert contact.source == Source.ORDER
    assert identities(contact) == {
        ("user", str(buyer.pk), True),
        ("email", buyer.email, True),
        ("phone", "+6281234567890", False),
    }
    assert not EmailConsent.objects.exists()  # an order is no consent to marketing


def test_a_second_order_joins_the_same_contact(django_capture_on_commit_callbacks):
    buyer = UserFactory()
    variant = buyable_variant()
    with django_capture_on_commit_callbacks(execute=True):
        place(buyer, (variant, 1))
        place(buyer, (variant, 1))
    assert Contact.objects.filter(store=variant.store).count() == 1


def test_chats_channel_contacts_and_followers_are_gathered_once():
    # given a site chat, a WhatsApp and a Telegram contact, a follower, and an order made before
    store = StoreFactory()
    chatter, fan = UserFactory(), UserFactory()
    chat = conversation(shopper=chatter, store=store)
    say(chat, chatter, "Ready kak?")
    ensure_contact(
        store_id=store.pk, channel=Channel.WHATSAPP, external_id="6281211112222", name="Budi", phone="+6281211112222"
    )
    ensure_contact(store_id=store.pk, channel=Channel.TELEGRAM, external_id="998877", name="Citra")
    follow(follower=fan, profile=profile_for_store(store=store))
    buyer = UserFactory()
    place(buyer, (buyable_variant(store=store), 1))  # its signal is not delivered here (no commit)
    other_store_chat = conversation(shopper=chatter)
    say(other_store_chat, chatter, "Halo")

    # when
    counts = services.gather_contacts()
    again = services.gather_contacts()

    # then
    assert counts == {"orders": 1, "chats": 2, "channels": 2, "followers": 1}
    assert again == {"orders": 0, "chats": 0, "channels": 0, "followers": 0}
    contacts = {contact.source: contact for contact in Contact.objects.filter(store=store)}
    assert set(contacts) == {"order", "chat", "whatsapp", "telegram", "follow"}
    assert ("whatsapp", "6281211112222", True) in identities(contacts["whatsapp"])
    assert ("phone", "+6281211112222", True) in identities(contacts["whatsapp"])
    assert contacts["whatsapp"].name == "Budi"
    assert ("telegram", "998877", True) in identities(contacts["telegram"])
    assert ("user", str(fan.pk), True) in identities(contacts["follow"])
    assert ("user", str(chatter.pk), True) in identities(contacts["chat"])
    assert Contact.objects.filter(store=other_store_chat.store).count() == 1


def test_a_follow_makes_the_follower_a_contact_at_once(django_capture_on_commit_callbacks):
    # given a store and a shopper
    store = StoreFactory()
    fan = UserFactory(first_name="Rina", last_name="Sari")
    profile = profile_for_store(store=store)
    client = Client()
    client.force_login(fan)
    # when they tap Follow on the store's profile (the page's htmx POST), committed
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/profiles/{profile.pk}/follow/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    # then they are the store's contact now, not at the next hourly gathering
    [contact] = Contact.objects.filter(store=store)
    assert (contact.source, contact.name) == (Source.FOLLOW, "Rina Sari")
    assert ("user", str(fan.pk), True) in identities(contact)
    assert services.gather_contacts()["followers"] == 0
    # following again (unfollow, follow) adds nobody
    with django_capture_on_commit_callbacks(execute=True):
        unfollow(follower=fan, profile=profile)
        follow(follower=fan, profile=profile)
    assert Contact.objects.filter(store=store).count() == 1
    # a person's profile is not a store: no contact anywhere
    with django_capture_on_commit_callbacks(execute=True):
        follow(follower=fan, profile=profile_for_user(user=UserFactory()))
    assert Contact.objects.count() == 1


def test_a_failing_contact_filing_never_fails_the_follow_and_the_hourly_gathering_catches_up(
    monkeypatch, django_capture_on_commit_callbacks
):
    store = StoreFactory()
    fan = UserFactory()

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr("marketing.services.gathering.record_contact", broken)
    with django_capture_on_commit_callbacks(execute=True):
        assert follow(follower=fan, profile=profile_for_store(store=store)) is True
    assert not Contact.objects.filter(store=store).exists()
    monkeypatch.undo()
    assert services.gather_contacts(store_id=store.pk)["followers"] == 1
    assert Contact.objects.filter(store=store, source=Source.FOLLOW).count() == 1


def test_a_person_met_in_several_places_is_one_contact():
    store = StoreFactory()
    person = UserFactory()
    say(conversation(shopper=person, store=store), person, "Halo")
    follow(follower=person, profile=profile_for_store(store=store))
    place(person, (buyable_variant(store=store), 1))
    services.gather_contacts()
    assert Contact.objects.filter(store=store).count() == 1


# --- The sign-up form on the store page, end to end -----------------------------------------


def test_the_store_page_sign_up_form_asks_then_the_link_confirms(client, django_capture_on_commit_callbacks):
    # given the store page with its form
    store = StoreFactory(name="Batik Sekar")
    page = client.get(store.get_absolute_url())
    assert f'action="/s/{store.slug}/news/"' in page.content.decode()
    assert "Yes, send me news and offers from Batik Sekar by email." in page.content.decode()

    # when a visitor signs up
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/s/{store.slug}/news/",
            {"email": "Dewi@Example.com", "agree": "on"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_USER_AGENT="Mozilla/5.0 (test)",
        )

    # then: asked, not yet mailable, with the proof kept
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    [contact] = Contact.objects.filter(store=store)
    assert contact.consent.state == EmailConsent.State.REQUESTED
    assert not selectors.mailable_contacts(store=store).exists()
    [asked] = contact.consent_events.all()
    assert (asked.kind, asked.source, asked.email, asked.ip_address, asked.user_agent) == (
        "requested",
        "form",
        "dewi@example.com",
        "203.0.113.9",
        "Mozilla/5.0 (test)",
    )
    assert asked.text == "Yes, send me news and offers from Batik Sekar by email. I can unsubscribe at any time."

    # when the link in the email is opened (GET changes nothing), then confirmed (POST)
    link = _confirm_link("dewi@example.com")
    shown = Client().get(link)
    assert shown.status_code == 200 and "Yes, confirm" in shown.content.decode()
    contact.consent.refresh_from_db()
    assert contact.consent.state == EmailConsent.State.REQUESTED
    done = Client().post(link, REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Phone")

    # then
    assert done.status_code == 200 and "Subscription confirmed" in done.content.decode()
    assert list(selectors.mailable_contacts(store=store)) == [contact]
    confirmed = contact.consent_events.get(kind=ConsentEvent.Kind.CONFIRMED)
    assert (confirmed.ip_address, confirmed.user_agent, confirmed.text) == ("198.51.100.7", "Phone", asked.text)
    assert ("email", "dewi@example.com", True) in identities(contact)


def test_the_sign_up_form_needs_the_box_ticked_and_a_real_address(client):
    store = StoreFactory()
    for data in ({"email": "dewi@example.com"}, {"email": "not-an-address", "agree": "on"}):
        response = client.post(f"/s/{store.slug}/news/", data)
        assert response.status_code == 400
    assert not Contact.objects.exists()
    assert not mail.outbox


def test_the_sign_up_form_is_not_shown_to_the_stores_owner(client):
    store = StoreFactory()
    client.force_login(store.owner)
    assert "/news/" not in client.get(store.get_absolute_url()).content.decode()


def _confirm_link(email: str) -> str:
    from tests.marketing.helpers import link_in_last_email

    return link_in_last_email(email, "/news/confirm/")


# --- The checkout's "send me news" checkbox, end to end ---------------------------------------


def _hidden(response, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', response.content.decode())
    assert match
    return match.group(1)


def test_the_checkout_checkbox_asks_the_buyer_for_consent_per_store(client, django_capture_on_commit_callbacks):
    # given a cart from two stores, at checkout
    buyer = UserFactory()
    ticked, unticked = buyable_variant(), buyable_variant()
    checkout_cart(buyer, (ticked, 1), (unticked, 1))
    address = AddressFactory(user=buyer, is_default=True)
    client.force_login(buyer)
    page = client.get("/checkout/")
    html = page.content.decode()
    assert f'name="news_from" value="{ticked.store.pk}"' in html
    assert f'name="news_from" value="{unticked.store.pk}"' in html
    assert "checked" not in re.search(r'<input type="checkbox" name="news_from"[^>]*>', html).group(0)

    # when the buyer ticks one store's box and places the order
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/checkout/place/",
            {
                "address": str(address.pk),
                "discount_code": "",
                "payment_method": page.context["state"]["payment_method"],
                "note": "",
                "idempotency_key": _hidden(page, "idempotency_key"),
                "quote_digest": _hidden(page, "quote_digest"),
                "news_from": [str(ticked.store.pk), "999999"],
            },
            REMOTE_ADDR="203.0.113.20",
            HTTP_USER_AGENT="Checkout browser",
        )

    # then both buyers' contacts exist, only the ticked store asked for consent
    assert response.status_code == 302
    asked = Contact.objects.get(store=ticked.store)
    other = Contact.objects.get(store=unticked.store)
    assert asked.consent.state == EmailConsent.State.REQUESTED
    assert not EmailConsent.objects.filter(contact=other).exists()
    [event] = asked.consent_events.all()
    assert (event.source, event.ip_address, event.user_agent) == ("checkout", "203.0.113.20", "Checkout browser")
    assert event.text == f"Send me news from {ticked.store.name} by email. I can unsubscribe at any time."
    # and the confirmation email went to the buyer's address
    link = _confirm_link(buyer.email)
    Client().post(link)
    assert list(selectors.mailable_contacts(store=ticked.store)) == [asked]

    # and once confirmed, the box is no longer offered for that store
    checkout_cart(buyer, (ticked, 1))
    again = client.get("/checkout/").content.decode()
    assert f'name="news_from" value="{ticked.store.pk}"' not in again
