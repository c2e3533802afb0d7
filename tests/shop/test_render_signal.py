"""The one extension mechanism: a lower app's page sends a signal declared in its
``signals.py``, and shows the HTML the higher apps' receivers return (``{% render_signal %}``,
``shop.signals.html_from``)."""

import pytest
from django.dispatch import Signal
from django.http import Http404
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.utils.html import format_html

from catalog.auth_backends import person_annotations
from checkout.terms import terms_for
from shop.signals import html_from
from tests.factories import UserFactory

shown = Signal()  # a page's signal, for these tests only


def _first(sender, *, request, name, **kwargs):
    return format_html("<b>{}</b>", name)


def _nothing(sender, **kwargs):
    return ""


def _unsafe(sender, *, name, **kwargs):
    return f"<i>{name}</i>"  # a plain string, not a rendered template


@pytest.fixture
def receivers():
    connected = (_first, _nothing, _unsafe)
    for receiver in connected:
        shown.connect(receiver)
    yield
    for receiver in connected:
        shown.disconnect(receiver)


def test_a_template_shows_what_the_receivers_return_in_the_order_they_were_connected(receivers):
    # given a page that sends the signal with a product's name
    template = Template('{% load render_signal %}[{% render_signal "tests.shop.test_render_signal.shown" name=name %}]')
    request = RequestFactory().get("/")
    # when
    html = template.render(Context({"request": request, "name": "Kopi & teh"}))
    # then each receiver's answer in order, and a string not marked safe is escaped
    assert html == "[<b>Kopi &amp; teh</b>&lt;i&gt;Kopi &amp; teh&lt;/i&gt;]"


def test_nobody_connected_shows_nothing():
    assert html_from(Signal(), request=None) == ""


def test_a_template_that_names_something_else_than_a_signal_fails_loudly():
    template = Template('{% load render_signal %}{% render_signal "tests.shop.test_render_signal.html_from" %}')
    with pytest.raises(TypeError):
        template.render(Context({}))
    with pytest.raises(TemplateSyntaxError):
        Template("{% load render_signal %}{% render_signal %}")


def test_the_apps_above_add_what_they_read_with_the_signed_in_person():
    # (catalog.signals.person_loading, answered by checkout and social)
    assert set(person_annotations()) == {"cart_item_count_read", "following_count_read", "has_blocks_read"}


@pytest.mark.django_db
def test_special_terms_nobody_owns_are_not_found():
    # given a token shaped like chat's offers, of a kind no app answers for
    buyer = UserFactory()
    # then checkout finds no such terms (a 404, never a 500)
    with pytest.raises(Http404):
        terms_for("coupon:12", buyer=buyer)
    with pytest.raises(Http404):
        terms_for("offer:not-a-number", buyer=buyer)
