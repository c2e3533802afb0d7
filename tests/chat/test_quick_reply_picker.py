"""The composer's "/" picker (static/js/chat.js) reads the store's quick replies, filled in
for the conversation, from a json_script element of the thread page (CSP allows no inline
script); the buttons that send one as it is stay for pages without the script. The picker
itself is driven in a browser: tests/e2e/test_chat_composer.py."""

import json
import re

import pytest
from django.urls import reverse

from chat import services
from tests.chat.factories import conversation, say
from tests.factories import CheckoutSettingsFactory, UserFactory, buyable_variant, place

pytestmark = pytest.mark.django_db


def picker_data(html: str) -> list[dict]:
    match = re.search(r'<script id="chat-quick-replies" type="application/json">(.*?)</script>', html, re.S)
    assert match, "no quick replies for the picker in the page"
    return json.loads(match.group(1))


def test_the_sellers_thread_carries_the_quick_replies_filled_in_for_this_chat(client):
    # given a buyer with an order, a store taking transfers, and replies with placeholders
    shopper = UserFactory(first_name="Dewi", last_name="")
    chat = conversation(shopper=shopper)
    CheckoutSettingsFactory(store=chat.store)
    [order] = place(shopper, (buyable_variant(store=chat.store), 1)).orders
    say(chat, shopper, "Sudah transfer kak")
    owner = chat.store.owner
    services.create_quick_reply(store=chat.store, actor=owner, shortcut="rekening", text="Transfer ke {bank_account}")
    services.create_quick_reply(
        store=chat.store, actor=owner, shortcut="resi", text="Halo {buyer_name}, pesanan {order_number} dikirim"
    )
    client.force_login(owner)

    # when the seller opens the thread
    page = client.get(reverse("chat:thread", kwargs={"pk": chat.pk}))

    # then the picker's data holds each reply filled in, and its list and hint are in the form
    assert page.status_code == 200
    assert picker_data(page.text) == [
        {"shortcut": "rekening", "text": "Transfer ke BCA 1234567890 a.n. Toko Contoh"},
        {"shortcut": "resi", "text": f"Halo {shopper.display_name}, pesanan {order.number} dikirim"},
    ]
    assert 'role="listbox"' in page.text and 'id="chat-quick-picker-hint"' in page.text
    # and the buttons that send a reply without the script are still there
    assert page.text.count('class="chat-quick-replies__send"') == 2


def test_a_reply_cannot_break_out_of_the_json_element(client):
    # given a reply whose text closes the script element and opens another
    chat = conversation()
    services.create_quick_reply(
        store=chat.store,
        actor=chat.store.owner,
        shortcut="jahil",
        text='</script><script>alert("x")</script> & <b>',
    )
    client.force_login(chat.store.owner)

    # when the seller opens the thread
    page = client.get(reverse("chat:thread", kwargs={"pk": chat.pk}))

    # then the text is escaped inside the element, and comes back whole from its JSON
    assert '<script>alert("x")' not in page.text
    assert picker_data(page.text) == [{"shortcut": "jahil", "text": '</script><script>alert("x")</script> & <b>'}]


def test_the_shopper_and_a_blocked_chat_get_no_picker(client):
    # given a store with a quick reply
    chat = conversation()
    services.create_quick_reply(store=chat.store, actor=chat.store.owner, shortcut="ready", text="Ready kak")

    # when the shopper opens the thread; and the seller once the chat is blocked
    client.force_login(chat.shopper)
    shopper_page = client.get(reverse("chat:thread", kwargs={"pk": chat.pk}))
    services.block(conversation=chat, by=chat.shopper)
    client.force_login(chat.store.owner)
    blocked_page = client.get(reverse("chat:thread", kwargs={"pk": chat.pk}))

    # then neither has the replies, nor the picker
    for page in (shopper_page, blocked_page):
        assert 'id="chat-quick-replies"' not in page.text and 'role="listbox"' not in page.text
        assert "Ready kak" not in page.text
