"""The seller's order page in the back office, in a real browser: its action buttons line
up, one height, their labels centred (Django styles a.button and a.deletelink differently)."""

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import StoreFactory, UserFactory, buyable_variant, place

pytestmark = pytest.mark.django_db(transaction=True)

# For each button: its box, and the vertical offset of its label's centre from the box's.
MEASURE = """() => [...document.querySelectorAll('.order-actions a')].map(button => {
  const box = button.getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(button);
  const label = range.getBoundingClientRect();
  return {text: button.textContent.trim(), top: box.top, height: box.height,
          offset: (label.top + label.height / 2) - (box.top + box.height / 2)};
})"""


def test_the_order_action_buttons_line_up_with_centred_labels(page, live_server):
    # given a seller's order that can be confirmed or cancelled
    store = StoreFactory()
    order = place(UserFactory(), (buyable_variant(store=store), 1)).orders[0]
    session = Client()
    session.force_login(store.owner)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    # when the seller opens it
    page.goto(f"/admin/checkout/order/{order.pk}/change/")
    buttons = page.evaluate(MEASURE)
    # then both buttons share a row and a height, and each label sits in the middle
    assert [button["text"] for button in buttons] == ["Confirm transfer received", "Cancel order"]
    assert len({round(button["top"]) for button in buttons}) == 1
    assert len({round(button["height"]) for button in buttons}) == 1
    assert all(abs(button["offset"]) <= 1 for button in buttons), buttons
