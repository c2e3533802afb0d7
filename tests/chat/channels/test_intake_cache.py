"""The WhatsApp number's store, cached for the webhook: read from the cache after the first
delivery, and dropped when the connection is saved or deleted, so that a change counts from
the next delivery on (not a minute later)."""

import pytest
from django.core.cache import cache

from chat.channels import intake
from chat.channels.models import WebhookEvent, WhatsAppConnection
from tests.chat.channels import payloads

pytestmark = pytest.mark.django_db


def _deliver(post, text="Halo kak", *, phone_number_id=payloads.PHONE_NUMBER_ID):
    response = post(payloads.whatsapp_delivery(messages=[payloads.wa_text(text)], phone_number_id=phone_number_id))
    assert response.status_code == 200
    return response.content.decode()


def test_after_the_first_delivery_the_number_is_not_looked_up_again(
    client, wa_post, wa_store, django_assert_num_queries
):
    # given: one delivery read the number from the database
    _deliver(wa_post)

    # when / then: the next delivery's only query is its INSERT (its processing, on commit,
    # is the worker's)
    with django_assert_num_queries(1):
        answer = _deliver(lambda payload: payloads.post_whatsapp(client, payload))
    assert answer == "stored 1"
    assert WebhookEvent.objects.filter(store=wa_store).count() == 2


def test_a_number_nobody_connected_is_cached_as_such_and_refused(wa_post, wa_store, django_assert_num_queries):
    # given
    assert _deliver(wa_post, phone_number_id="999000111") == "stored 0"

    # when / then: no query at all the second time
    with django_assert_num_queries(0):
        assert _deliver(wa_post, phone_number_id="999000111") == "stored 0"
    assert WebhookEvent.objects.count() == 0


def test_deactivating_a_connection_stops_its_deliveries_from_the_next_one(wa_post, wa_store, committed):
    # given: the number is cached
    assert _deliver(wa_post) == "stored 1"
    connection = WhatsAppConnection.objects.get(store=wa_store)

    # when
    with committed():
        connection.is_active = False
        connection.save()

    # then
    assert _deliver(wa_post, "Masih buka?") == "stored 0"

    # and when it is switched on again
    with committed():
        connection.is_active = True
        connection.save()
    assert _deliver(wa_post, "Halo lagi") == "stored 1"
    assert WebhookEvent.objects.count() == 2


def test_a_connection_given_another_number_stops_answering_for_the_old_one(wa_post, wa_store, committed):
    # given: the old number is cached for the store, the new one as unconnected
    assert _deliver(wa_post) == "stored 1"
    assert _deliver(wa_post, phone_number_id="109999999999999") == "stored 0"
    connection = WhatsAppConnection.objects.get(store=wa_store)

    # when
    with committed():
        connection.phone_number_id = "109999999999999"
        connection.save()

    # then
    assert _deliver(wa_post, "ke nomor lama") == "stored 0"
    assert _deliver(wa_post, "ke nomor baru", phone_number_id="109999999999999") == "stored 1"
    assert list(WebhookEvent.objects.values_list("payload__message__text__body", flat=True).order_by("id")) == [
        "Halo kak",
        "ke nomor baru",
    ]


@pytest.mark.parametrize("deleted", ["connection", "store"])
def test_a_deleted_connection_stops_its_deliveries(wa_post, wa_store, committed, deleted):
    # given
    assert _deliver(wa_post) == "stored 1"

    # when
    with committed():
        (WhatsAppConnection.objects.get(store=wa_store) if deleted == "connection" else wa_store).delete()

    # then
    assert _deliver(wa_post, "Halo?") == "stored 0"


def test_an_entry_cached_before_the_change_committed_is_dropped_by_the_commit(wa_post, wa_store, committed):
    # given
    assert _deliver(wa_post) == "stored 1"
    connection = WhatsAppConnection.objects.get(store=wa_store)

    # when: a delivery read the old row (and cached it) between the save and its commit
    with committed():
        connection.is_active = False
        connection.save()
        assert intake._number_key(payloads.PHONE_NUMBER_ID) not in cache
        cache.set(intake._number_key(payloads.PHONE_NUMBER_ID), wa_store.pk, intake.NUMBER_CACHE_SECONDS)

    # then
    assert _deliver(wa_post, "Masih buka?") == "stored 0"
