"""The campaign email's bytes built once per chunk and personalised by substitution
(``marketing.campaigns.prebuilt``) are the email Django builds for that recipient: the same
headers (To, From, Subject, Message-ID, List-Unsubscribe, List-Unsubscribe-Post) and the same
decoded text and HTML; where substitution would not be exact, nothing is prebuilt."""

from __future__ import annotations

import email
from email import policy

import pytest

from marketing.campaigns import content, engine, prebuilt
from marketing.selectors import mailable_contacts
from marketing.sending import build_message, new_message_id
from tests.factories import StoreFactory, buyable_variant
from tests.marketing.campaign_helpers import campaign_for, mailable_contact

pytestmark = pytest.mark.django_db

HEADERS = ("From", "To", "Subject", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version")


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def parts(message) -> list[tuple[str, str, str]]:
    return [
        (part.get_content_type(), part["Content-Transfer-Encoding"], part.get_content())
        for part in message.walk()
        if part.get_content_maintype() == "text"
    ]


LONG = "Selamat datang kembali di toko kami, koleksi baru dari Yogyakarta dan Bali. " * 20  # 1,560 characters


@pytest.fixture(params=["short lines (7bit)", "a long paragraph (quoted-printable)"])
def chunk(request):
    store = StoreFactory(name='Toko "Batik" & Co')
    product = buyable_variant(store=store, price=150_000_00).product
    paragraph = LONG if "long" in request.param else "Diskon <b>10%</b> & lebih."
    campaign = campaign_for(
        store,
        blocks=[
            {"type": "text", "text": f"Halo %%NAME%%! Koleksi baru untuk Anda.\n\n{paragraph}\n\nSalam = hangat."},
            {"type": "products", "products": [product.pk]},
            {"type": "button", "label": "Lihat", "url": "https://example.com/koleksi?a=1&b=2"},
        ],
    )
    page = content.render(campaign=campaign, subject=campaign.subject)
    return store, campaign, page


def both(store, page, contact, recipient_id: int = 41):
    """(Django's email as bytes, the prebuilt one) for ``contact``."""
    message_id = new_message_id()
    whole = engine._personalised(
        store, contact, page, recipient_id=recipient_id, message_id=message_id, connection=None
    )
    template = prebuilt.message_template(
        build_message=build_message,
        store=store,
        contact=contact,
        subject=page.subject,
        text=page.text,
        html_body=page.html,
    )
    assert template is not None
    values = engine.personal_values(store_id=store.pk, contact=contact, recipient_id=recipient_id, page=page)
    raw = prebuilt.personalise(template=template, email=contact.consent.email, message_id=message_id, values=values)
    return whole.message().as_bytes(linesep="\r\n"), raw


def template_probe(store, page, contact) -> bytes:
    return (
        engine._personalised(store, contact, page, recipient_id=1, message_id="<p@q>", connection=None)
        .message()
        .as_bytes()
    )


def test_the_prebuilt_email_is_the_one_django_builds(chunk):
    store, campaign, page = chunk
    encodings = {
        part[1]
        for part in parts(
            parsed(
                both(
                    store, page, mailable_contacts(store=store).get(pk=mailable_contact(store, "probe@example.com").pk)
                )[0]
            )
        )
    }
    assert encodings == ({"quoted-printable"} if len(page.text) > len(LONG) else {"7bit"})
    first = mailable_contact(store, "sari@example.com", name="Sari <Sales> & Co")
    second = mailable_contact(store, "budi@example.com", name="Budi")
    for contact in mailable_contacts(store=store).filter(pk__in=[first.pk, second.pk]):
        whole, raw = both(store, page, contact)
        assert raw is not None
        django_message, prebuilt_message = parsed(whole), parsed(raw)
        for name in HEADERS:
            assert prebuilt_message[name] == django_message[name], name
        assert prebuilt_message["Date"]
        assert parts(prebuilt_message) == parts(django_message)
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
        assert contact.name.split()[0] in parts(prebuilt_message)[0][2]
    # the HTML part escapes the name, the text part does not
    whole, raw = both(store, page, mailable_contacts(store=store).get(pk=first.pk))
    text, html = parts(parsed(raw))
    assert "Sari <Sales> & Co" in text[2] and "Sari &lt;Sales&gt; &amp; Co" in html[2]


def test_a_value_substitution_cannot_carry_exactly_is_built_whole(chunk):
    store, campaign, page = chunk
    contact = mailable_contacts(store=store).get(pk=mailable_contact(store, "dewi@example.com", name="Dewi").pk)
    template = prebuilt.message_template(
        build_message=build_message,
        store=store,
        contact=contact,
        subject=page.subject,
        text=page.text,
        html_body=page.html,
    )
    values = engine.personal_values(store_id=store.pk, contact=contact, recipient_id=1, page=page)
    # a non-ASCII name: Django picks the encoding
    assert (
        prebuilt.personalise(
            template=template, email="dewi@example.com", message_id="<x@y>", values={**values, "NAME": "Dèwi"}
        )
        is None
    )
    # a line pushed past 998 bytes: Django would switch a 7bit part to quoted-printable; a part
    # that is quoted-printable already stays so, and the prebuilt email is still Django's
    long_name = {**values, "NAME": "D" * 1000}
    raw = prebuilt.personalise(template=template, email="dewi@example.com", message_id="<x@y>", values=long_name)
    if "quoted-printable" in {part[1] for part in parts(parsed(template_probe(store, page, contact)))}:
        contact.name = "D" * 1000
        whole, raw = both(store, page, contact, recipient_id=1)
        assert raw is not None and parts(parsed(raw)) == parts(parsed(whole))
        contact.name = "Dewi"
    else:
        assert raw is None
    # and the engine then builds that one email the usual way, with the same content
    contact.name = "Dèwi"
    message = engine._message_for(store, contact, page, template, recipient_id=1, message_id="<x@y>", connection=None)
    assert not isinstance(message, prebuilt.PrebuiltEmail)
    assert "Dèwi" in message.body


def test_click_and_open_links_are_the_reversed_urls():
    from django.urls import reverse

    from marketing.campaigns import links
    from marketing.tokens import absolute

    for recipient_id, key in ((1, "s"), (123456789, "p42"), (7, "b3")):
        token = links.click_token(recipient_id=recipient_id, key=key)
        assert links.click_url(recipient_id=recipient_id, key=key) == absolute(
            reverse("marketing:click", kwargs={"token": token})
        )
        assert links.read_click_token(
            links.click_url(recipient_id=recipient_id, key=key).rstrip("/").rsplit("/", 1)[1]
        ) == (
            recipient_id,
            key,
        )
    assert links.open_url(recipient_id=9) == absolute(
        reverse("marketing:open", kwargs={"token": links.open_token(recipient_id=9)})
    )
