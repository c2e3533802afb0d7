"""The buyer panel on the thread page: the store's people see it (orders, spent, follows, the
cart, labels and the private note) and edit labels and the note with plain forms; the shopper
and everyone else never see it or reach its addresses (404)."""

import re
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chat import services
from chat.models import Conversation, Label, QuickReply
from checkout import services as checkout_services
from tests.chat.factories import conversation, refreshed
from tests.factories import StoreFactory, UserFactory, buyable_variant, checkout_cart, place

pytestmark = pytest.mark.django_db

PANEL = "About this buyer"
# The store's thread page with the panel: eleven without it since the assistant and the
# channels joined the thread page (ten when the session is in Redis), and the panel's five.
QUERIES_FOR_A_STORE_THREAD = 16


@pytest.fixture
def variant():
    return buyable_variant(price=125_000, stock=50)


@pytest.fixture
def chat(variant):
    return conversation(shopper=UserFactory(first_name="Dewi"), store=variant.store)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def thread_url(chat) -> str:
    return reverse("chat:thread", kwargs={"pk": chat.pk})


def test_the_seller_sees_the_buyers_orders_cart_and_figures_beside_the_thread(chat, variant):
    # given a paid order and a line in the buyer's cart
    order = place(chat.shopper, (variant, 2)).orders[0]
    checkout_services.confirm_transfer(order=order, actor=chat.store.owner)
    checkout_cart(chat.shopper, (variant, 1))
    order.refresh_from_db()

    # when the seller opens the thread
    page = signed_in(chat.store.owner).get(thread_url(chat))

    # then the panel shows the order with a link to the back office, its state and the cart
    assert page.status_code == 200
    text = page.text
    assert PANEL in text and 'id="buyer-panel"' in text
    assert reverse("admin:checkout_order_change", args=[order.pk]) in text and order.number in text
    assert "Paid" in text and "Does not follow your store" in text
    assert "In their cart now" in text and variant.product.title in text
    assert reverse("chat:buyer_cart", kwargs={"pk": chat.pk}) in text


def test_the_shopper_never_sees_the_panel_or_reaches_its_addresses(chat, variant):
    # given the store noted and labelled the chat
    services.set_note(conversation=chat, actor=chat.store.owner, note="Pays late, ask for transfer first")
    label = services.create_label(store=chat.store, actor=chat.store.owner, name="Slow payer")
    services.set_labels(conversation=chat, actor=chat.store.owner, label_ids=[label.pk])
    shopper = signed_in(chat.shopper)

    # when the shopper opens the thread and tries the panel's addresses
    page = shopper.get(thread_url(chat))
    cart = shopper.get(reverse("chat:buyer_cart", kwargs={"pk": chat.pk}))
    note = shopper.post(reverse("chat:set_note", kwargs={"pk": chat.pk}), {"note": "mine now"})
    labels = shopper.post(reverse("chat:set_labels", kwargs={"pk": chat.pk}), {"new_label": "x"})

    # then nothing of it shows, and each address is a 404 that changed nothing
    assert page.status_code == 200
    assert PANEL not in page.text and "Pays late" not in page.text and "Slow payer" not in page.text
    assert (cart.status_code, note.status_code, labels.status_code) == (404, 404, 404)
    chat = refreshed(chat)
    assert chat.store_note == "Pays late, ask for transfer first"
    assert list(chat.labels.values_list("name", flat=True)) == ["Slow payer"]


def test_another_stores_seller_gets_404_everywhere(chat):
    # given another store's seller
    stranger = signed_in(StoreFactory().owner)

    # when they try the thread and the panel's addresses
    responses = [
        stranger.get(thread_url(chat)),
        stranger.get(reverse("chat:buyer_cart", kwargs={"pk": chat.pk})),
        stranger.post(reverse("chat:set_note", kwargs={"pk": chat.pk}), {"note": "hi"}),
        stranger.post(reverse("chat:set_labels", kwargs={"pk": chat.pk}), {"new_label": "x"}),
    ]

    # then every one is a 404
    assert [response.status_code for response in responses] == [404, 404, 404, 404]
    assert refreshed(chat).store_note == ""


def test_the_seller_sets_labels_and_adds_one(chat):
    # given two labels of the store
    owner = chat.store.owner
    vip = services.create_label(store=chat.store, actor=owner, name="VIP")
    services.create_label(store=chat.store, actor=owner, name="Grosir")
    client = signed_in(owner)

    # when the seller ticks VIP and adds "Reseller"
    response = client.post(
        reverse("chat:set_labels", kwargs={"pk": chat.pk}), {"labels": [str(vip.pk)], "new_label": " Reseller "}
    )

    # then they are back on the thread, the chat carries both, and the page ticks them
    assert response.status_code == 302
    assert response.url == f"{thread_url(chat)}#buyer-panel"
    assert sorted(refreshed(chat).labels.values_list("name", flat=True)) == ["Reseller", "VIP"]
    page = client.get(thread_url(chat)).text
    assert f'value="{vip.pk}"' in page and "Labels saved." in page
    # when the seller unticks everything
    client.post(reverse("chat:set_labels", kwargs={"pk": chat.pk}), {})
    # then the chat has none (the labels stay the store's)
    assert not refreshed(chat).labels.exists()
    assert Label.objects.filter(store=chat.store).count() == 3


def test_another_stores_label_is_refused(chat):
    # given a label of another store
    other = conversation()
    foreign = services.create_label(store=other.store, actor=other.store.owner, name="Theirs")

    # when the seller posts its id
    response = signed_in(chat.store.owner).post(
        reverse("chat:set_labels", kwargs={"pk": chat.pk}), {"labels": [str(foreign.pk)]}
    )

    # then the thread page comes back with the error, the panel open, and nothing changed
    assert response.status_code == 400
    assert "is not one of the available choices" in response.text
    assert '<details class="chat-buyer__details" open>' in response.text
    assert not refreshed(chat).labels.exists()


def test_a_label_too_long_or_with_a_null_byte_is_refused(chat):
    client = signed_in(chat.store.owner)
    url = reverse("chat:set_labels", kwargs={"pk": chat.pk})

    too_long = client.post(url, {"new_label": "x" * 31})
    null = client.post(url, {"new_label": "a\x00b"})

    assert too_long.status_code == 400 and "at most 30 characters" in too_long.text
    assert null.status_code == 400
    assert not Label.objects.filter(store=chat.store).exists()


def test_the_seller_writes_the_private_note(chat):
    client = signed_in(chat.store.owner)
    url = reverse("chat:set_note", kwargs={"pk": chat.pk})

    # when the seller saves a note, then it is kept and shown in the form
    response = client.post(url, {"note": "Prefers JNE; size M"})
    assert response.status_code == 302
    assert refreshed(chat).store_note == "Prefers JNE; size M"
    assert "Prefers JNE; size M</textarea>" in client.get(thread_url(chat)).text
    # when the note is too long, then the page says so and keeps the old one
    refused = client.post(url, {"note": "x" * 1001})
    assert refused.status_code == 400 and "at most 1000 characters" in refused.text
    assert refreshed(chat).store_note == "Prefers JNE; size M"


def test_the_panel_forms_need_the_csrf_token(chat):
    # given a seller's browser that sends no CSRF token
    client = Client(enforce_csrf_checks=True)
    client.force_login(chat.store.owner)

    # when it posts the note and the labels
    note = client.post(reverse("chat:set_note", kwargs={"pk": chat.pk}), {"note": "forged"})
    labels = client.post(reverse("chat:set_labels", kwargs={"pk": chat.pk}), {"new_label": "forged"})

    # then both are refused and nothing changed
    assert (note.status_code, labels.status_code) == (403, 403)
    assert refreshed(chat).store_note == ""
    assert not Label.objects.filter(store=chat.store).exists()
    # and the page's own forms carry the token
    page = client.get(thread_url(chat)).text
    assert page.count('name="csrfmiddlewaretoken"') >= 3


def test_what_the_buyer_and_the_seller_typed_is_escaped(chat, variant):
    # given a label, a note and a product title with markup
    owner = chat.store.owner
    label = services.create_label(store=chat.store, actor=owner, name="<b>VIP</b>")
    services.set_labels(conversation=chat, actor=owner, label_ids=[label.pk])
    services.set_note(conversation=chat, actor=owner, note="<script>alert(1)</script>")
    type(variant.product).objects.filter(pk=variant.product_id).update(title="<img src=x onerror=alert(1)>")
    checkout_cart(chat.shopper, (variant, 1))
    client = signed_in(owner)

    # when the seller opens the thread and the cart fragment
    page = client.get(thread_url(chat)).text
    fragment = client.get(reverse("chat:buyer_cart", kwargs={"pk": chat.pk})).text

    # then every one is text, never markup
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>VIP</b>" not in page and "&lt;b&gt;VIP&lt;/b&gt;" in page
    for html in (page, fragment):
        assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_cart_fragment_is_the_panels_cart_alone(chat, variant):
    # given a line in the buyer's cart
    checkout_cart(chat.shopper, (variant, 3))

    # when the seller's page asks for the fragment
    response = signed_in(chat.store.owner).get(reverse("chat:buyer_cart", kwargs={"pk": chat.pk}))

    # then it is the cart section, with the line, and no page around it
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="chat-buyer__section chat-buyer__cart" id="buyer-cart"')
    assert variant.product.title in response.text and "3 items" in response.text
    assert "<html" not in response.text


def _grow_history(chat, count: int) -> None:
    """``count`` more orders, cart lines and labels for the chat's buyer."""
    owner = chat.store.owner
    for _ in range(count):
        variant = buyable_variant(store=chat.store)
        place(chat.shopper, (variant, 1))
        checkout_cart(chat.shopper, (variant, 1))
        chat.labels.add(services.create_label(store=chat.store, actor=owner, name=f"L{Label.objects.count()}"))


def queries_for(client, url: str) -> int:
    client.get(url)  # warm the session and the caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_store_thread_page_costs_the_same_whatever_the_buyers_history(chat, django_assert_max_num_queries):
    # given a buyer with one order, cart line and label, and then with six
    client = signed_in(chat.store.owner)
    _grow_history(chat, 1)
    small = queries_for(client, thread_url(chat))
    _grow_history(chat, 5)

    # when the seller opens the thread, then the count does not grow with the history
    assert queries_for(client, thread_url(chat)) == small
    with django_assert_max_num_queries(QUERIES_FOR_A_STORE_THREAD):
        client.get(thread_url(chat))


def test_the_page_of_a_conversation_never_opened_by_the_store_still_works(chat):
    # (the panel reads nothing that a fresh conversation lacks)
    assert Conversation.objects.filter(pk=chat.pk).exists()
    assert signed_in(chat.store.owner).get(thread_url(chat)).status_code == 200


def test_the_panel_speaks_indonesian(chat, variant):
    # given a line in the buyer's cart
    checkout_cart(chat.shopper, (variant, 2))

    # when the seller's browser asks for Indonesian
    page = signed_in(chat.store.owner).get(thread_url(chat), HTTP_ACCEPT_LANGUAGE="id").text

    # then the panel is in Indonesian
    for text in ("Tentang pembeli ini", "Di keranjangnya sekarang", "2 barang", "Tidak mengikuti toko Anda"):
        assert text in page, text


def test_every_id_on_the_stores_thread_page_is_unique(chat, variant):
    # given a store with a label, a quick reply and a product to offer (every form of the page)
    services.create_label(store=chat.store, actor=chat.store.owner, name="VIP")
    QuickReply.objects.create(store=chat.store, shortcut="ready", text="Ready kak {buyer_name}")

    # when the seller opens the thread (composer, quick replies, offer form and the panel's forms)
    page = signed_in(chat.store.owner).get(thread_url(chat))

    # then no id is given twice: a label's "for" finds its own form's field (the offer's "Note"
    # once pointed at the panel's note)
    ids = re.findall(r'\sid="([^"]+)"', page.text)
    assert ids and [name for name, count in Counter(ids).items() if count > 1] == []
