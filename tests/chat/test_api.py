"""The chat API: opening, sending (idempotent), paging, reading, blocking, reporting, the inbox,
quick replies; nobody reaches another's conversation; bad input is a 4xx, never a 500."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from chat.models import Message, QuickReply
from tests.chat.factories import conversation, say, store_says, store_with_chats
from tests.factories import ProductFactory, StoreFactory, UserFactory, VariantFactory, image_file

pytestmark = pytest.mark.django_db


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def url(name, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs=kwargs)


def conversation_endpoints(chat):
    """Every endpoint of one conversation: (method, url, body)."""
    pk = chat.pk
    return [
        ("get", url("chat-conversation", pk=pk), None),
        ("get", url("chat-messages", pk=pk), None),
        ("post", url("chat-messages", pk=pk), {"client_id": "x-1", "body": "Halo"}),
        ("post", url("chat-read", pk=pk), {"up_to": 1}),
        ("post", url("chat-block", pk=pk), None),
        ("delete", url("chat-block", pk=pk), None),
        ("post", url("chat-report", pk=pk), {"reason": "spam"}),
        ("patch", url("chat-seller-details", pk=pk), {"store_note": "x"}),
        ("get", url("chat-conversation-quick-replies", pk=pk), None),
        ("get", url("chat-buyer-panel", pk=pk), None),
    ]


def test_nobody_else_reads_writes_or_moderates_a_conversation():
    # given
    chat = conversation()
    say(chat, chat.shopper, "Rahasia")
    outsiders = [UserFactory(), StoreFactory().owner]

    # when / then
    for outsider in outsiders:
        client = client_for(outsider)
        for method, address, body in conversation_endpoints(chat):
            response = getattr(client, method)(address, body, format="json")
            assert response.status_code == 404, (outsider, method, address, response.content)
    anonymous = client_for()
    for method, address, body in conversation_endpoints(chat):
        assert getattr(anonymous, method)(address, body, format="json").status_code == 401
    assert Message.objects.count() == 1
    assert not chat.reports.exists()


def test_a_shopper_opens_a_chat_from_a_product_and_asks():
    # given
    product = ProductFactory()
    shopper = UserFactory()
    client = client_for(shopper)

    # when
    opened = client.post(
        url("chat-conversations"), {"store": product.store.slug, "context_product": product.slug}, format="json"
    )
    again = client.post(url("chat-conversations"), {"store": product.store.slug}, format="json")
    pk = opened.json()["id"]
    sent = client.post(url("chat-messages", pk=pk), {"client_id": "c-1", "body": "Ready kak?"}, format="json")
    listed = client.get(url("chat-messages", pk=pk))

    # then
    assert opened.status_code == 201 and again.status_code == 200 and again.json()["id"] == pk
    assert opened.json()["side"] == "shopper" and opened.json()["store"]["slug"] == product.store.slug
    assert sent.status_code == 201 and sent.json()["mine"] is True
    kinds = [(m["kind"], m["product"]) for m in listed.json()["results"]]
    assert kinds == [("context", product.slug), ("text", None)]


def test_a_retried_send_answers_200_with_the_same_message():
    chat = conversation()
    client = client_for(chat.shopper)
    address = url("chat-messages", pk=chat.pk)
    first = client.post(address, {"client_id": "retry-1", "body": "Ready?"}, format="json")
    second = client.post(address, {"client_id": "retry-1", "body": "Ready?"}, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"client_id": "a", "body": "nul\x00byte"},
        {"client_id": "a", "body": ""},
        {"client_id": "a", "body": "x" * 2001},
        {"client_id": "", "body": "hi"},
        {"client_id": "a b", "body": "hi"},
        {"body": "hi"},
        {"client_id": "a", "kind": "offer", "body": "hi"},
        {"client_id": "a", "kind": "product", "variant": 2**70},
        {"client_id": "a", "kind": "product", "variant": "1\x00"},
        {"client_id": "a", "kind": "order", "order": "nul\x00"},
        {"client_id": "a", "kind": "image"},
    ],
)
def test_bad_messages_are_a_400(body):
    chat = conversation()
    response = client_for(chat.shopper).post(url("chat-messages", pk=chat.pk), body, format="json")
    assert response.status_code == 400, response.content
    assert not Message.objects.exists()


def test_a_picture_is_sent_as_multipart():
    chat = conversation()
    response = client_for(chat.shopper).post(
        url("chat-messages", pk=chat.pk), {"client_id": "img-1", "kind": "image", "image": image_file()}
    )
    assert response.status_code == 201, response.content
    assert response.json()["image"]["url"].startswith("http://testserver/media/chat/")


def test_a_product_card_from_another_store_is_refused():
    chat = conversation()
    foreign = VariantFactory()
    client = client_for(chat.store.owner)
    address = url("chat-messages", pk=chat.pk)
    assert (
        client.post(address, {"client_id": "p1", "kind": "product", "variant": foreign.pk}, format="json").status_code
        == 404
    )
    response = client.post(
        address, {"client_id": "p2", "kind": "product", "product": foreign.product.slug}, format="json"
    )
    assert response.status_code == 400


def test_messages_page_back_and_catch_up_through_links():
    # given
    chat = conversation()
    ids = [say(chat, chat.shopper, str(n)).pk for n in range(5)]
    client = client_for(chat.store.owner)

    # when
    newest = client.get(url("chat-messages", pk=chat.pk), {"limit": 2}).json()
    older = client.get(newest["older"]).json()
    caught_up = client.get(url("chat-messages", pk=chat.pk), {"after": ids[1], "limit": 2}).json()
    rest = client.get(caught_up["newer"]).json()

    # then
    assert [m["id"] for m in newest["results"]] == ids[3:]
    assert [m["id"] for m in older["results"]] == ids[1:3]
    assert [m["id"] for m in caught_up["results"]] == ids[2:4]
    assert [m["id"] for m in rest["results"]] == ids[4:] and rest["newer"] is None


@pytest.mark.parametrize(
    "query",
    [{"before": "abc"}, {"after": -1}, {"before": 2**64}, {"before": 1, "after": 1}, {"limit": 0}, {"limit": 10**30}],
)
def test_bad_message_cursors_are_a_400(query):
    chat = conversation()
    assert client_for(chat.shopper).get(url("chat-messages", pk=chat.pk), query).status_code == 400


def test_reading_returns_the_new_state_and_bad_ids_are_a_400():
    chat = conversation()
    first = say(chat, chat.shopper)
    say(chat, chat.shopper)
    client = client_for(chat.store.owner)
    response = client.post(url("chat-read", pk=chat.pk), {"up_to": first.pk}, format="json")
    assert response.json() == {"last_read_id": first.pk, "unread": 1}
    for bad in (-1, 2**64, "x", None):
        assert client.post(url("chat-read", pk=chat.pk), {"up_to": bad}, format="json").status_code == 400


def test_a_huge_conversation_id_is_a_404():
    chat = conversation()
    assert client_for(chat.shopper).get(f"/api/v1/chat/conversations/{2**70}/").status_code == 404


def test_a_blocked_send_is_a_403_with_the_reason():
    chat = conversation()
    seller = client_for(chat.store.owner)
    assert seller.post(url("chat-block", pk=chat.pk)).json()["blocked_by"] == ["store"]
    response = client_for(chat.shopper).post(
        url("chat-messages", pk=chat.pk), {"client_id": "b", "body": "Hi"}, format="json"
    )
    assert response.status_code == 403 and "does not accept" in response.json()["detail"]
    assert seller.delete(url("chat-block", pk=chat.pk)).json()["blocked_by"] == []


def test_a_report_is_queued():
    chat = conversation()
    response = client_for(chat.store.owner).post(
        url("chat-report", pk=chat.pk), {"reason": "abuse", "note": "Kasar"}, format="json"
    )
    assert response.status_code == 201 and response.json()["status"] == "open"
    assert (
        client_for(chat.shopper).post(url("chat-report", pk=chat.pk), {"reason": "nope"}, format="json").status_code
        == 400
    )


def test_the_inbox_is_the_sellers_with_filters_and_search():
    # given
    store = StoreFactory()
    first, second = conversation(store=store), conversation(store=store)
    say(first, first.shopper)
    say(second, second.shopper)
    store_says(first)
    client = client_for(store.owner)

    # when
    everything = client.get(url("chat-inbox")).json()
    unread = client.get(url("chat-inbox"), {"unread": "true"}).json()
    found = client.get(url("chat-inbox"), {"q": first.shopper.username}).json()

    # then
    assert [row["id"] for row in everything["results"]] == [second.pk, first.pk]
    assert [row["id"] for row in unread["results"]] == [second.pk]
    assert [row["id"] for row in found["results"]] == [first.pk]
    assert everything["results"][0]["side"] == "store" and everything["results"][0]["unread"] == 1


def test_the_inbox_and_the_messages_cost_the_same_queries_for_3_or_30_chats():
    # given a store with 3 chats and a thread of 3, and one with 30 and 30
    sizes = [store_with_chats(3), store_with_chats(30)]

    # when each seller reads the inbox and the thread's messages
    counts = []
    for store, thread in sizes:
        client = client_for(store.owner)
        for_store = []
        for path in (url("chat-inbox"), url("chat-messages", pk=thread.pk)):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            for_store.append(len(queries))
        counts.append(for_store)

    # then the answers cost the same queries whatever their size (each row's store included)
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    "query", [{"cursor": "garbage"}, {"q": "a\x00"}, {"label": 2**70}, {"label": "x"}, {"unread": "maybe"}]
)
def test_bad_inbox_queries_are_a_400(query):
    store = StoreFactory()
    assert client_for(store.owner).get(url("chat-inbox"), query).status_code == 400


def test_only_sellers_have_an_inbox_labels_and_quick_replies():
    client = client_for(UserFactory())
    for name in ("chat-inbox", "chat-labels", "chat-quick-replies"):
        assert client.get(url(name)).status_code == 403


def test_the_header_total():
    chat = conversation()
    say(chat, chat.shopper)
    say(chat, chat.shopper)
    assert client_for(chat.store.owner).get(url("chat-unread")).json() == {"unread": 2}


def test_labels_and_note_are_set_by_the_store_only():
    chat = conversation()
    seller = client_for(chat.store.owner)
    label = seller.post(url("chat-labels"), {"name": "VIP"}, format="json").json()
    response = seller.patch(
        url("chat-seller-details", pk=chat.pk), {"labels": [label["id"]], "store_note": "Suka biru"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["labels"] == [label] and response.json()["store_note"] == "Suka biru"
    shopper = client_for(chat.shopper)
    assert shopper.patch(url("chat-seller-details", pk=chat.pk), {"store_note": "x"}, format="json").status_code == 403
    assert "store_note" not in shopper.get(url("chat-conversation", pk=chat.pk)).json()


def test_quick_replies_are_managed_by_their_store_and_filled_per_conversation():
    # given
    chat = conversation()
    seller = client_for(chat.store.owner)
    other_seller = client_for(StoreFactory().owner)

    # when
    created = seller.post(url("chat-quick-replies"), {"shortcut": "halo", "text": "Halo {buyer_name}!"}, format="json")
    pk = created.json()["id"]
    changed = seller.put(
        url("chat-quick-reply", pk=pk), {"shortcut": "halo", "text": "Hai {buyer_name}!"}, format="json"
    )
    filled = seller.get(url("chat-conversation-quick-replies", pk=chat.pk)).json()

    # then
    assert created.status_code == 201 and changed.status_code == 200
    assert filled == [
        {"id": pk, "shortcut": "halo", "text": "Hai {buyer_name}!", "filled": f"Hai {chat.shopper.display_name}!"}
    ]
    assert other_seller.get(url("chat-quick-reply", pk=pk)).status_code == 404
    assert other_seller.delete(url("chat-quick-reply", pk=pk)).status_code == 404
    assert client_for(chat.shopper).get(url("chat-conversation-quick-replies", pk=chat.pk)).status_code == 403
    assert (
        seller.post(url("chat-quick-replies"), {"shortcut": "halo", "text": "again"}, format="json").status_code == 400
    )
    assert seller.delete(url("chat-quick-reply", pk=pk)).status_code == 204
    assert not QuickReply.objects.exists()


def test_the_read_receipt_is_hidden_when_the_store_turns_it_off():
    from chat.models import ChatSettings

    chat = conversation()
    message = say(chat, chat.shopper)
    store_says(chat)
    shopper = client_for(chat.shopper)
    assert shopper.get(url("chat-conversation", pk=chat.pk)).json()["other_side_read_up_to"] > message.pk
    ChatSettings.objects.create(store=chat.store, read_receipts=False)
    assert shopper.get(url("chat-conversation", pk=chat.pk)).json()["other_side_read_up_to"] is None


def test_the_schema_documents_the_chat_api():
    schema = client_for().get(reverse("api-schema"), {"format": "json"}).json()
    assert "/api/v1/chat/conversations/{id}/messages/" in schema["paths"]
    assert "/api/v1/chat/inbox/" in schema["paths"]


def test_huge_ids_in_paths_are_a_404_not_a_500():
    store = StoreFactory()
    seller = client_for(store.owner)
    huge = 2**70
    assert seller.get(f"/api/v1/chat/quick-replies/{huge}/").status_code == 404
    assert seller.delete(f"/api/v1/chat/quick-replies/{huge}/").status_code == 404
    for suffix in ("", "messages/", "read/", "block/", "report/", "seller/", "quick-replies/"):
        assert seller.get(f"/api/v1/chat/conversations/{huge}/{suffix}").status_code in (404, 405)
