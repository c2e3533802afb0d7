"""Chat in the back office: a seller's own conversations (read-only thread, labels and note
through the services), the staff's report queue, quick replies per store."""

import pytest

from chat import services
from chat.models import ChatSettings, Conversation, QuickReply, Report
from tests.admin_helpers import admin_url, form_data
from tests.chat.factories import conversation, refreshed, say
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
