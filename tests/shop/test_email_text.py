"""What people write reaches an email's text part as written, and its HTML part escaped.

Autoescaping is for HTML: a text/plain part showing ``&lt;b&gt;`` garbles a name or a note.
The text part and the subject are rendered without it in one place (``render_plain_text``).

No gettext call with a literal in this file: makemessages scans tests/ too.
"""

import uuid

import pytest

from checkout import services as checkout_services
from social import services as social_services
from tests.factories import AddressFactory, UserFactory, buyable_variant, checkout_cart, make_post

pytestmark = pytest.mark.django_db

USER_TEXT = "<b>&\"'"
ESCAPED = "&lt;b&gt;&amp;&quot;&#x27;"


def html_of(message) -> str:
    return message.alternatives[0][0]


def emails_to(outbox, user) -> list:
    return [message for message in outbox if message.to == [user.email]]


def test_a_commenters_name_is_raw_in_the_text_part_and_escaped_in_the_html(
    django_capture_on_commit_callbacks, mailoutbox
):
    # given a commenter whose name holds HTML's special characters
    author = UserFactory()
    post = make_post(author)
    commenter = UserFactory(first_name=USER_TEXT, last_name="")
    # when they comment and the post's author is emailed
    with django_capture_on_commit_callbacks(execute=True):
        social_services.add_comment(author=commenter, post=post, body="Cantik!")
    # then
    (message,) = emails_to(mailoutbox, author)
    assert f"{USER_TEXT} commented on your post" in message.subject
    assert f"{USER_TEXT} commented on your post" in message.body
    assert "&lt;" not in message.body and "&amp;" not in message.body
    assert f"{ESCAPED} commented on your post" in html_of(message)
    assert USER_TEXT not in html_of(message)


def test_a_buyers_name_and_note_are_raw_in_the_sellers_text_part_and_escaped_in_the_html(
    django_capture_on_commit_callbacks, mailoutbox
):
    # given a buyer whose name and note to the seller hold HTML's special characters
    buyer = UserFactory(first_name=USER_TEXT, last_name="")
    variant = buyable_variant()
    cart = checkout_cart(buyer, (variant, 1))
    quote = checkout_services.cart_quote(cart=cart, buyer=buyer, discount_code="", payment_method="bank_transfer")
    # when the order is placed and its emails go out
    with django_capture_on_commit_callbacks(execute=True):
        checkout_services.place_order(
            buyer=buyer,
            cart=cart,
            address=AddressFactory(user=buyer),
            payment_method="bank_transfer",
            idempotency_key=uuid.uuid4().hex,
            quote_digest=quote.digest,
            note=USER_TEXT,
        )
    # then the seller's email has both as written in its text part, escaped in its HTML part
    (message,) = emails_to(mailoutbox, variant.store.owner)
    assert f"{USER_TEXT} placed order" in message.body
    assert f": {USER_TEXT}\n" in message.body  # the note to the seller
    assert "&lt;" not in message.body and "&amp;" not in message.body
    assert f"{ESCAPED} placed order" in html_of(message)
    assert USER_TEXT not in html_of(message)
    # and the buyer's greeting too
    (confirmation,) = emails_to(mailoutbox, buyer)
    assert f"{USER_TEXT}," in confirmation.body
    assert ESCAPED in html_of(confirmation)
