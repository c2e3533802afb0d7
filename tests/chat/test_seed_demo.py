"""``manage.py seed_demo``, chat side (``chat.demo``): quick replies for every store and
conversations in Indonesian, made through the chat services, the same on a second run."""

import io

import pytest
from django.core.management import call_command, get_commands

from catalog.demo.stores import STORES
from catalog.models import Store
from chat import selectors
from chat.demo.content import QUICK_REPLIES
from chat.models import Conversation, Message, Offer, QuickReply

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def chat_rows() -> dict:
    return {
        "quick_replies": set(QuickReply.objects.values_list("store__slug", "shortcut")),
        "conversations": set(Conversation.objects.values_list("store__slug", "shopper__username", "store_unread")),
        "messages": set(Message.objects.values_list("conversation__shopper__username", "kind", "body")),
    }


def test_the_command_lives_in_marketing_the_top_seeding_app_which_may_seed_every_layer():
    assert get_commands()["seed_demo"] == "marketing"


def test_the_demo_has_quick_replies_and_lively_conversations_and_runs_twice_the_same():
    # given
    output = seed("--products-per-store=1")
    first = chat_rows()

    # when
    seed("--products-per-store=1", "--quiet")

    # then
    assert "Chat: created" in output
    assert chat_rows() == first
    for spec in STORES:
        shortcuts = set(QuickReply.objects.filter(store__slug=spec.slug).values_list("shortcut", flat=True))
        assert shortcuts == {shortcut for shortcut, _text in QUICK_REPLIES}
    conversations = Conversation.objects.all()
    assert conversations.count() >= 6
    assert conversations.filter(store_unread__gt=0).exists() and conversations.filter(store_unread=0).exists()
    assert Message.objects.filter(kind="context", product__isnull=False).exists()
    assert Message.objects.filter(kind="order", order__isnull=False).exists()
    # an offer the shopper bought, shown in its thread with the order's card (once, on both runs)
    [offer] = Offer.objects.all()
    assert offer.status == "accepted" and offer.order is not None and offer.order.buyer_id == offer.shopper_id
    assert Message.objects.filter(offer=offer, kind="offer").count() == 1
    assert Message.objects.filter(conversation=offer.conversation, kind="order", order=offer.order).count() == 1
    filled = Message.objects.filter(body__startswith="Halo kak Ani").first()
    assert filled is not None and "{" not in filled.body
    for conversation in conversations:
        for side, counter in (("store", conversation.store_unread), ("shopper", conversation.shopper_unread)):
            watermark = conversation.store_last_read_id if side == "store" else conversation.shopper_last_read_id
            recount = conversation.messages.filter(id__gt=watermark).exclude(sender_side=side).count()
            assert counter == recount
        newest = conversation.messages.order_by("-id").first()
        assert conversation.last_message_id == newest.pk and conversation.last_message_at == newest.created_at
    batik = Store.objects.get(slug=STORES[0].slug)
    assert selectors.usually_replies(selectors.response_stats(store=batik)) == "Usually replies within an hour"
