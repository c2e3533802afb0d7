"""Chat pages: the "Chat with the seller" button on product and store pages, opening a chat,
the thread (escaped, links clickable, read on opening), sending once per form, the lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chat import services
from chat.models import Conversation, Message
from shop.models import Notification
from tests.chat.factories import conversation, refreshed, say, store_says, store_with_chats
from tests.factories import (
    ProductFactory,
    StoreFactory,
    UserFactory,
    VariantFactory,
    buyable_variant,
    checkout_cart,
    make_post,
    place,
)

pytestmark = pytest.mark.django_db

BUTTON = "Chat with the seller"


def test_the_product_page_has_a_chat_button_for_shoppers_but_not_for_its_seller(client):
    # given
    product = VariantFactory().product
    page_url = product.get_absolute_url()

    # when
    anonymous = client.get(page_url)
    client.force_login(UserFactory())
    shopper = client.get(page_url)
    client.force_login(product.store.owner)
    seller = client.get(page_url)

    # then
    assert "Log in to chat with the seller" in anonymous.text
    assert BUTTON in shopper.text and reverse("chat:open") in shopper.text
    assert BUTTON not in seller.text


def test_the_store_page_has_a_chat_button(client):
    store = StoreFactory()
    client.force_login(UserFactory())
    assert BUTTON in client.get(store.get_absolute_url()).text


def test_the_button_opens_the_chat_and_the_product_arrives_with_the_first_message(client):
    # given
    product = ProductFactory()
    shopper = UserFactory()
    client.force_login(shopper)

    # when
    opened = client.post(reverse("chat:open"), {"store": product.store.slug, "product": product.slug})
    chat = Conversation.objects.get(shopper=shopper)
    thread_url = reverse("chat:thread", kwargs={"pk": chat.pk})
    page = client.get(thread_url)
    sent = client.post(
        reverse("chat:send", kwargs={"pk": chat.pk}),
        {"body": "Ready kak?", "client_id": page.context["form"]["client_id"].value()},
    )

    # then
    assert opened.status_code == 302 and opened.url == thread_url
    assert sent.status_code == 302
    assert list(Message.objects.values_list("kind", flat=True).order_by("id")) == ["context", "text"]
    assert product.title in client.get(thread_url).text


def test_opening_a_chat_with_ones_own_store_is_refused(client):
    store = StoreFactory()
    client.force_login(store.owner)
    response = client.post(reverse("chat:open"), {"store": store.slug})
    assert response.status_code == 403 and not Conversation.objects.exists()


def test_a_resubmitted_form_sends_the_message_once(client):
    chat = conversation()
    client.force_login(chat.shopper)
    data = {"body": "Ready kak?", "client_id": "form-123"}
    client.post(reverse("chat:send", kwargs={"pk": chat.pk}), data)
    client.post(reverse("chat:send", kwargs={"pk": chat.pk}), data)
    assert Message.objects.filter(conversation=chat).count() == 1


def test_messages_are_escaped_and_links_made_clickable(client):
    # given
    chat = conversation()
    say(chat, chat.shopper, '<script>alert("x")</script> <img src=x onerror=alert(1)> lihat https://example.com/kaos')
    client.force_login(chat.store.owner)

    # when
    page = client.get(reverse("chat:thread", kwargs={"pk": chat.pk})).text

    # then
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert '<a href="https://example.com/kaos" rel="nofollow">https://example.com/kaos</a>' in page


def test_opening_the_thread_reads_it_and_shows_seen_to_the_shopper(client):
    # given
    chat = conversation()
    question = say(chat, chat.shopper)

    # when
    client.force_login(chat.store.owner)
    client.get(reverse("chat:thread", kwargs={"pk": chat.pk}))

    # then
    assert refreshed(chat).store_unread == 0
    client.force_login(chat.shopper)
    page = client.get(reverse("chat:thread", kwargs={"pk": chat.pk}))
    assert question.pk <= page.context["seen_up_to"] and "Seen" in page.text


def test_nobody_else_opens_or_writes_into_a_thread(client):
    chat = conversation()
    say(chat, chat.shopper, "Rahasia")
    for outsider in (UserFactory(), StoreFactory().owner):
        client.force_login(outsider)
        assert client.get(reverse("chat:thread", kwargs={"pk": chat.pk})).status_code == 404
        response = client.post(reverse("chat:send", kwargs={"pk": chat.pk}), {"body": "x", "client_id": "o-1"})
        assert response.status_code == 404
    client.logout()
    assert client.get(reverse("chat:thread", kwargs={"pk": chat.pk})).status_code == 302
    assert Message.objects.count() == 1


@pytest.mark.parametrize("query", ["?before=abc", "?before=-5", f"?before={2**70}"])
def test_a_bad_page_of_the_thread_is_a_400(client, query):
    chat = conversation()
    client.force_login(chat.shopper)
    assert client.get(reverse("chat:thread", kwargs={"pk": chat.pk}) + query).status_code == 400


def test_a_bad_message_is_shown_on_the_thread_with_a_400(client):
    chat = conversation()
    client.force_login(chat.shopper)
    response = client.post(reverse("chat:send", kwargs={"pk": chat.pk}), {"body": "nul\x00", "client_id": "n-1"})
    assert response.status_code == 400 and not Message.objects.exists()


def test_the_lists_show_the_shoppers_chats_and_the_stores_inbox(client):
    # given
    chat = conversation()
    say(chat, chat.shopper, "Ready kak?")
    store_says(chat, "Ready!")
    other = conversation(store=chat.store)
    say(other, other.shopper, "Masih ada?")

    # when
    client.force_login(chat.store.owner)
    inbox = client.get(reverse("chat:store_inbox"))
    unread = client.get(reverse("chat:store_inbox"), {"filter": "unread"})
    client.force_login(chat.shopper)
    mine = client.get(reverse("chat:conversations"))

    # then
    assert [row[0].pk for row in inbox.context["rows"]] == [other.pk, chat.pk]
    assert [row[0].pk for row in unread.context["rows"]] == [other.pk]
    assert [row[0].pk for row in mine.context["rows"]] == [chat.pk] and chat.store.name in mine.text
    assert client.get(reverse("chat:store_inbox")).status_code == 403  # a shopper has no store


def _queries(client, path) -> int:
    """The queries of a second visit (the first one reads the thread, a write)."""
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_inbox_and_thread_pages_cost_the_same_queries_for_3_or_30_chats(client):
    # given a store with 3 chats and a thread of 3, and one with 30 and 30
    small, small_thread = store_with_chats(3)
    large, large_thread = store_with_chats(30)

    # when each seller opens the inbox and the thread
    counts = {}
    for store, thread in ((small, small_thread), (large, large_thread)):
        client.force_login(store.owner)
        counts[store.pk] = (
            _queries(client, reverse("chat:store_inbox")),
            _queries(client, reverse("chat:thread", kwargs={"pk": thread.pk})),
        )

    # then the pages cost the same queries whatever their size
    assert counts[small.pk] == counts[large.pk]


def test_the_notification_links_to_the_thread():
    chat = conversation()
    say(chat, chat.shopper)
    note = Notification.objects.get(recipient=chat.store.owner)
    assert note.target_url == reverse("chat:thread", kwargs={"pk": chat.pk})


def test_the_buyers_order_page_has_a_chat_button_that_opens_from_the_order(client):
    # given
    variant = buyable_variant()
    buyer = UserFactory()
    (order,) = place(buyer, (variant, 1)).orders
    order_url = reverse("checkout:order_detail", kwargs={"number": order.number})

    # when
    client.force_login(order.store.owner)
    seller_page = client.get(order_url)
    client.force_login(buyer)
    buyer_page = client.get(order_url)
    client.post(reverse("chat:open"), {"store": order.store.slug, "order": order.number})
    chat = Conversation.objects.get(shopper=buyer)
    say(chat, buyer, "Kapan dikirim kak?")

    # then
    assert BUTTON not in seller_page.text
    assert BUTTON in buyer_page.text and f'name="order" value="{order.number}"' in buyer_page.text
    card = Message.objects.get(conversation=chat, kind="context")
    assert card.order_id == order.pk and card.data["number"] == order.number


def test_the_feeds_product_sheet_has_a_chat_button(client):
    # given
    variant = buyable_variant()
    post = make_post(products=[variant.product])
    tag = post.images.first().tags.first()
    client.force_login(UserFactory())

    # when
    sheet = client.get(reverse("social:product_sheet", kwargs={"pk": tag.pk}), headers={"HX-Request": "true"})

    # then
    assert sheet.status_code == 200
    assert BUTTON in sheet.text and f'name="product" value="{variant.product.slug}"' in sheet.text


def test_each_store_in_the_cart_has_a_chat_button(client):
    # given
    first, second = buyable_variant(), buyable_variant()
    shopper = UserFactory()
    checkout_cart(shopper, (first, 1), (second, 2))
    client.force_login(shopper)

    # when
    cart = client.get(reverse("checkout:cart"))

    # then
    assert cart.text.count(BUTTON) == 2
    for variant in (first, second):
        assert f'name="store" value="{variant.product.store.slug}"' in cart.text


def test_blocking_and_unblocking_from_the_thread(client):
    # given
    chat = conversation()
    client.force_login(chat.shopper)
    thread_url = reverse("chat:thread", kwargs={"pk": chat.pk})

    # when
    client.post(reverse("chat:block", kwargs={"pk": chat.pk}), {"on": "1"})
    blocked_page = client.get(thread_url)
    refused = client.post(reverse("chat:send", kwargs={"pk": chat.pk}), {"body": "Halo", "client_id": "b-1"})
    client.post(reverse("chat:block", kwargs={"pk": chat.pk}))
    sent = client.post(reverse("chat:send", kwargs={"pk": chat.pk}), {"body": "Halo", "client_id": "b-2"})

    # then
    assert "You blocked this chat" in blocked_page.text and "Unblock" in blocked_page.text
    assert refused.status_code == 403 and "You blocked this store" in refused.text
    assert sent.status_code == 302 and Message.objects.filter(conversation=chat).count() == 1


def test_reporting_a_chat_from_its_page(client):
    # given
    chat = conversation()
    report_url = reverse("chat:report", kwargs={"pk": chat.pk})
    client.force_login(chat.store.owner)

    # when
    form = client.get(report_url)
    bad = client.post(report_url, {"reason": "nonsense"})
    done = client.post(report_url, {"reason": "scam", "note": "Minta transfer ke rekening pribadi"})

    # then
    assert form.status_code == 200 and bad.status_code == 400
    assert done.status_code == 200 and "Thank you for your report" in done.text
    report = chat.reports.get()
    assert (report.reason, report.reporter_side, report.status) == ("scam", "store", "open")
    client.force_login(UserFactory())
    assert client.get(report_url).status_code == 404
    assert client.post(reverse("chat:block", kwargs={"pk": chat.pk}), {"on": "1"}).status_code == 404


def test_the_seller_sends_a_quick_reply_filled_in_with_one_tap(client):
    # given
    chat = conversation()
    say(chat, chat.shopper, "Ongkir ke Bandung berapa kak?")
    services.create_quick_reply(
        store=chat.store, actor=chat.store.owner, shortcut="ongkir", text="Halo {buyer_name}, ongkir <Rp20.000>"
    )
    client.force_login(chat.store.owner)

    # when
    page = client.get(reverse("chat:thread", kwargs={"pk": chat.pk}))
    ((shortcut, text, key),) = page.context["quick_replies"]
    sent = client.post(reverse("chat:send", kwargs={"pk": chat.pk}), {"body": text, "client_id": key})
    again = client.post(reverse("chat:send", kwargs={"pk": chat.pk}), {"body": text, "client_id": key})

    # then
    assert text == f"Halo {chat.shopper.display_name}, ongkir <Rp20.000>"
    assert "ongkir &lt;Rp20.000&gt;" in page.text and "<Rp20.000>" not in page.text
    assert sent.status_code == again.status_code == 302
    assert Message.objects.filter(conversation=chat, sender=chat.store.owner).count() == 1
    client.force_login(chat.shopper)
    assert client.get(reverse("chat:thread", kwargs={"pk": chat.pk})).context["quick_replies"] == []


def test_the_inbox_page_filters_by_label(client):
    # given
    store = StoreFactory()
    labelled, other = conversation(store=store), conversation(store=store)
    say(labelled, labelled.shopper)
    say(other, other.shopper)
    vip = services.create_label(store=store, actor=store.owner, name="VIP")
    services.set_labels(conversation=labelled, actor=store.owner, label_ids=[vip.pk])
    client.force_login(store.owner)

    # when
    page = client.get(reverse("chat:store_inbox"), {"label": vip.pk})
    nonsense = client.get(reverse("chat:store_inbox"), {"label": "9" * 40})

    # then
    assert [row[0].pk for row in page.context["rows"]] == [labelled.pk] and "VIP" in page.text
    assert nonsense.status_code == 200 and len(nonsense.context["rows"]) == 2
