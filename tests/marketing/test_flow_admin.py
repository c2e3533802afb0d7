"""Flows in the back office: a seller sees and changes only their own store's flows and emails
(another store's are a 404), through the services (switching off makes the running enrolments
leave); enrolments and the emails sent are read-only; nothing is added or deleted here."""

from __future__ import annotations

import pytest
from django.test import Client

from marketing.flow_models import Enrolment, Flow, FlowSend, FlowStep
from marketing.flows import defaults, engine
from tests.admin_helpers import admin_url, form_data
from tests.factories import StoreFactory
from tests.marketing.campaign_helpers import mailable_contact

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two_stores(django_capture_on_commit_callbacks):
    """Two stores with their welcome series on, one person each, the first email sent."""
    mine, theirs = StoreFactory(), StoreFactory()
    for store, email in ((mine, "mine@example.com"), (theirs, "theirs@example.com")):
        defaults.switch(flow=defaults.ensure_flows(store=store)[0], enabled=True)
        with django_capture_on_commit_callbacks(execute=True):
            mailable_contact(store, email)
    with django_capture_on_commit_callbacks(execute=True):
        engine.evaluate()
    assert FlowSend.objects.filter(state=FlowSend.State.SENT).count() == 2
    return mine, theirs


@pytest.mark.parametrize("model", [Flow, FlowStep, Enrolment, FlowSend])
def test_the_admin_lists_only_the_sellers_own_rows(two_stores, model):
    mine, theirs = two_stores
    client = as_user(mine.owner)
    path = {Flow: "store", FlowStep: "flow__store", Enrolment: "store", FlowSend: "flow__store"}[model]
    changelist = client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    rows = list(changelist.context["cl"].queryset)
    assert rows and {model.objects.filter(pk=row.pk).values_list(path, flat=True).get() for row in rows} == {mine.pk}
    their_row = model.objects.filter(**{path: theirs}).first()
    assert client.get(admin_url(model, "change", their_row.pk)).status_code == 404
    own_row = model.objects.filter(**{path: mine}).first()
    assert client.get(admin_url(model, "change", own_row.pk)).status_code == 200
    assert client.get(admin_url(model, "add")).status_code == 403
    assert client.post(admin_url(model, "delete", own_row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=own_row.pk).exists()


def test_enrolments_and_sends_are_read_only(two_stores):
    mine, _theirs = two_stores
    client = as_user(mine.owner)
    enrolment = Enrolment.objects.get(store=mine)
    send = FlowSend.objects.get(flow__store=mine)
    assert client.post(admin_url(Enrolment, "change", enrolment.pk), {"state": "completed"}).status_code == 403
    assert client.post(admin_url(FlowSend, "change", send.pk), {"state": "failed"}).status_code == 403
    enrolment.refresh_from_db()
    send.refresh_from_db()
    assert enrolment.state == Enrolment.State.ACTIVE and send.state == FlowSend.State.SENT


def test_switching_a_flow_off_in_the_admin_goes_through_the_service(two_stores):
    mine, _theirs = two_stores
    client = as_user(mine.owner)
    flow = Flow.objects.get(store=mine, kind=Flow.Kind.WELCOME)
    url = admin_url(Flow, "change", flow.pk)
    data = form_data(client.get(url))
    data.pop("enabled", None)
    bad = client.post(url, {**data, "cooldown_days": "0"})
    assert bad.status_code == 200 and "Between 1 and 3650." in bad.content.decode()
    response = client.post(url, {**data, "cooldown_days": "12"})
    assert response.status_code == 302
    flow.refresh_from_db()
    assert not flow.enabled and flow.cooldown_days == 12
    # the enrolment waiting for the second email leaves at the next evaluation
    enrolment = Enrolment.objects.get(store=mine)
    engine.evaluate(now=enrolment.due_at, hand_over_to=lambda ids: 0)
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.EXITED and enrolment.exit_reason == engine.FLOW_OFF


def test_an_emails_words_are_changed_in_the_admin_its_blocks_are_not(two_stores):
    mine, _theirs = two_stores
    client = as_user(mine.owner)
    step = FlowStep.objects.filter(flow__store=mine).order_by("position").first()
    blocks = step.blocks
    url = admin_url(FlowStep, "change", step.pk)
    data = form_data(client.get(url))
    bad = client.post(url, {**data, "delay_hours": "999999"})
    assert bad.status_code == 200 and "Between 0 and 2160." in bad.content.decode()
    response = client.post(url, {**data, "subject": "Halo dari admin", "blocks": "[]"})
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.subject == "Halo dari admin" and step.blocks == blocks


def test_a_superuser_sees_every_stores_rows_with_their_store(two_stores, admin_client):
    for model in (Flow, FlowStep, Enrolment, FlowSend):
        changelist = admin_client.get(admin_url(model, "changelist"))
        assert changelist.status_code == 200, model
        stores = {
            row.store_id if hasattr(row, "store_id") and model is not FlowStep else row.flow.store_id
            for row in changelist.context["cl"].queryset
        }
        assert stores == {store.pk for store in two_stores}, model
