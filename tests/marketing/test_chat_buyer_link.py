"""Chat's buyer panel (the store's side of a thread) links to the buyer's page in the customer
list when the buyer is a contact: drawn by marketing into chat.signals.buyer_panel_shown, since chat
cannot import marketing. Only the store's owner sees it (the customer list is theirs)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from chat.channels.contacts import conversation_of, ensure_contact
from chat.models import Channel
from marketing import services
from marketing.models import Identity, Source
from marketing.services.contacts import Seen
from tests.chat.factories import conversation, say
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<p class="chat-buyer__contact"><a href="(/customers/(\d+)/)">')


def thread_page(user, chat) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("chat:thread", kwargs={"pk": chat.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_panel_links_to_the_buyers_contact_page_and_the_link_opens_it():
    # given a buyer who chatted with the store and is in its customer list
    store = StoreFactory()
    buyer = UserFactory(first_name="Dewi")
    chat = conversation(shopper=buyer, store=store)
    say(chat, buyer)
    contact = services.record_contact(store_id=store.pk, seen=services.user_seen(user=buyer), source=Source.CHAT)
    # when the seller opens the thread
    page = thread_page(store.owner, chat)
    # then the panel links to the contact's page, which opens
    [(href, pk)] = LINK.findall(page)
    assert int(pk) == contact.pk
    client = Client()
    client.force_login(store.owner)
    assert client.get(href).status_code == 200


def test_no_link_when_the_buyer_is_not_a_contact_nor_for_the_buyer_nor_another_stores_contact():
    store, other = StoreFactory(), StoreFactory()
    buyer = UserFactory()
    chat = conversation(shopper=buyer, store=store)
    say(chat, buyer)
    # a contact of another store only
    services.record_contact(store_id=other.pk, seen=services.user_seen(user=buyer), source=Source.CHAT)
    assert not LINK.search(thread_page(store.owner, chat))
    # a contact of this store: the buyer's own view of the thread never shows it
    services.record_contact(store_id=store.pk, seen=services.user_seen(user=buyer), source=Source.CHAT)
    assert LINK.search(thread_page(store.owner, chat))
    assert not LINK.search(thread_page(buyer, chat))


def test_a_whatsapp_buyer_links_to_the_contact_holding_their_whatsapp_id():
    store = StoreFactory()
    person = ensure_contact(store_id=store.pk, channel=Channel.WHATSAPP, external_id="6281234567890", name="Budi")
    chat = conversation_of(person)
    contact = services.record_contact(
        store_id=store.pk, seen=[Seen(Identity.Kind.WHATSAPP, "6281234567890", True)], source=Source.WHATSAPP
    )
    [(_href, pk)] = LINK.findall(thread_page(store.owner, chat))
    assert int(pk) == contact.pk


def test_a_merged_buyer_links_to_the_contact_kept():
    store = StoreFactory()
    buyer = UserFactory()
    chat = conversation(shopper=buyer, store=store)
    by_account = services.record_contact(store_id=store.pk, seen=services.user_seen(user=buyer), source=Source.CHAT)
    kept = services.record_contact(
        store_id=store.pk, seen=[Seen(Identity.Kind.EMAIL, "kept@example.com")], source=Source.FORM
    )
    services.merge_contacts(kept=kept, merged=by_account, reason="same person")
    [(_href, pk)] = LINK.findall(thread_page(store.owner, chat))
    assert int(pk) == kept.pk
