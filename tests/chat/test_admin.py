"""Chat in the back office: a seller's own conversations (read-only thread, labels and note
through the services), the staff's report queue, quick replies per store, offers (the
seller's own, read-only, withdrawn through the service; staff see all)."""

import pytest

from chat import services
from chat.models import ChatSettings, Conversation, Offer, QuickReply, Report
from tests.admin_helpers import admin_url, form_data
from tests.chat.factories import conversation, refreshed, say
from tests.chat.offer_helpers import buy, offer_setup, send
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chats():
    mine, theirs = conversation(), conversation()
    say(mine, mine.shopper, "<script>alert(1)</script> ready kak?")
    say(theirs, theirs.shopper, "Rahasia toko lain")
    return mine, theirs


def test_a_seller_sees_only_their_stores_conversations_and_reads_the_thread_escaped(client, chats):
    # given
    mine, theirs = chats
    client.force_login(mine.store.owner)

    # when
    listing = client.get(admin_url(Conversation, "changelist"))
    page = client.get(admin_url(Conversation, "change", mine.pk))

    # then
    assert listing.status_code == 200
    assert mine.shopper.username in listing.text and theirs.shopper.username not in listing.text
    assert client.get(admin_url(Conversation, "change", theirs.pk)).status_code == 404
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ready kak?" in page.text
    assert "<script>alert(1)" not in page.text
    assert client.get(admin_url(Conversation, "add")).status_code == 403


def test_a_seller_labels_and_notes_a_conversation_in_the_back_office(client, chats):
    # given
    mine, _theirs = chats
    owner = mine.store.owner
    vip = services.create_label(store=mine.store, actor=owner, name="VIP")
    other_store = StoreFactory()
    services.create_label(store=other_store, actor=other_store.owner, name="Lain")
    client.force_login(owner)
    page = client.get(admin_url(Conversation, "change", mine.pk))
    assert "Lain" not in page.text  # another store's labels are not offered

    # when
    data = form_data(page) | {"labels": [str(vip.pk)], "store_note": "Suka biru"}
    response = client.post(admin_url(Conversation, "change", mine.pk), data)

    # then
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    mine = refreshed(mine)
    assert list(mine.labels.all()) == [vip] and mine.store_note == "Suka biru"


def test_reports_are_the_staffs_queue(client, chats):
    # given
    mine, _theirs = chats
    report = services.report(conversation=mine, reporter=mine.shopper, reason="abuse")
    staff = UserFactory(is_staff=True, is_superuser=True)

    # when / then
    client.force_login(mine.store.owner)
    assert client.get(admin_url(Report, "changelist")).status_code == 403
    client.force_login(staff)
    assert client.get(admin_url(Report, "change", report.pk)).status_code == 200
    response = client.post(admin_url(Report, "changelist"), {"action": "resolve", "_selected_action": [str(report.pk)]})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "resolved" and report.handled_by == staff


def test_a_seller_keeps_quick_replies_for_their_own_store(client):
    # given
    store, other = StoreFactory(), StoreFactory()
    theirs = services.create_quick_reply(store=other, actor=other.owner, shortcut="ongkir", text="Gratis ongkir")
    client.force_login(store.owner)

    # when
    added = client.post(
        admin_url(QuickReply, "add"), {"shortcut": "/Ongkir", "text": "Ongkir Rp10.000 ya {buyer_name}"}
    )
    duplicate = client.post(admin_url(QuickReply, "add"), {"shortcut": "ongkir", "text": "Lagi"})

    # then
    assert added.status_code == 302
    created = QuickReply.objects.get(store=store)
    assert created.shortcut == "ongkir"
    assert duplicate.status_code == 200 and "already have a quick reply" in duplicate.text
    assert client.get(admin_url(QuickReply, "change", theirs.pk)).status_code == 404
    listing = client.get(admin_url(QuickReply, "changelist"))
    assert "Gratis ongkir" not in listing.text


def test_a_seller_turns_read_receipts_off(client):
    store = StoreFactory()
    client.force_login(store.owner)
    response = client.post(admin_url(ChatSettings, "add"), {})
    assert response.status_code == 302
    assert ChatSettings.objects.get(store=store).read_receipts is False
    assert client.get(admin_url(ChatSettings, "add")).status_code == 403


def test_a_seller_sees_only_their_stores_offers_with_their_lines_read_only(client):
    # given an offer of the seller's store (a special price) and one of another store
    chat, first, second = offer_setup(price=15_000_000)
    mine = send(chat, [(first, 2, 12_000_000), (second, 1, None)], discount=1_000_000, note="<b>Spesial</b>")
    other_chat, other_variant, _ = offer_setup()
    theirs = send(other_chat, [(other_variant, 1, None)], note="Rahasia toko lain")
    client.force_login(chat.store.owner)

    # when the seller opens their offers and one of them
    listing = client.get(admin_url(Offer, "changelist"))
    page = client.get(admin_url(Offer, "change", mine.pk))

    # then only their store's offer is listed and shown, with its lines, escaped
    assert listing.status_code == 200 and page.status_code == 200
    assert chat.shopper.username in listing.text and other_chat.shopper.username not in listing.text
    assert client.get(admin_url(Offer, "change", theirs.pk)).status_code == 404
    assert first.product.title in page.text and second.product.title in page.text
    assert "&lt;b&gt;Spesial&lt;/b&gt;" in page.text and "<b>Spesial" not in page.text
    # and nothing can be changed, added or deleted: the terms are what the shopper was sent
    assert 'name="discount"' not in page.text and 'name="lines-0-quantity"' not in page.text
    response = client.post(admin_url(Offer, "change", mine.pk), {"discount": "0", "status": "withdrawn"})
    assert response.status_code == 403
    assert client.get(admin_url(Offer, "add")).status_code == 403
    assert client.post(admin_url(Offer, "delete", mine.pk), {"post": "yes"}).status_code == 403
    mine.refresh_from_db()
    assert (mine.discount, mine.status) == (1_000_000, "open")


def test_a_seller_withdraws_their_open_offers_from_the_list(client):
    # given an open offer, a bought one, and another store's open offer
    chat, first, second = offer_setup()
    open_offer, bought = send(chat, [(first, 1, None)]), send(chat, [(second, 1, None)])
    buy(bought)
    other_chat, other_variant, _ = offer_setup()
    theirs = send(other_chat, [(other_variant, 1, None)])
    client.force_login(chat.store.owner)

    # when the seller withdraws all three from the list (the other store's id slipped in)
    response = client.post(
        admin_url(Offer, "changelist"),
        {"action": "withdraw", "_selected_action": [str(o.pk) for o in (open_offer, bought, theirs)]},
    )

    # then only their open offer is withdrawn
    assert response.status_code == 302
    statuses = dict(Offer.objects.values_list("pk", "status"))
    assert statuses == {open_offer.pk: "withdrawn", bought.pk: "accepted", theirs.pk: "open"}


def test_staff_see_every_stores_offers_read_only(client):
    # given offers of two stores
    chat, first, _ = offer_setup()
    mine = send(chat, [(first, 1, None)])
    other_chat, other_variant, _ = offer_setup()
    theirs = send(other_chat, [(other_variant, 1, None)])
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    # when staff open the list and an offer
    listing = client.get(admin_url(Offer, "changelist"))
    page = client.get(admin_url(Offer, "change", theirs.pk))

    # then they see both stores' offers, and cannot change or withdraw them
    assert chat.store.name in listing.text and other_chat.store.name in listing.text
    assert page.status_code == 200 and 'name="discount"' not in page.text
    assert 'value="withdraw"' not in listing.text
    assert client.post(admin_url(Offer, "change", mine.pk), {"discount": "0"}).status_code == 403
