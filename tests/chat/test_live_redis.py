"""With the Redis channel layer (REDIS_URL, as CI sets it): a message sent through one ASGI
server process reaches a socket held by another, as when several daphne hosts (or gunicorn
workers beside them) serve one site. Two real daphne processes on the test's database."""

import os

import aiohttp
import pytest
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.asgi_server import running_daphne
from tests.async_run import run_async
from tests.celery_worker import shared_database
from tests.chat.factories import client_id, conversation
from tests.factories import StoreFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres_only")]


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip("needs REDIS_URL (CI sets it)")
    return url


def test_a_message_sent_through_one_process_reaches_a_socket_held_by_another(tmp_path, redis_url):
    # given a conversation, the seller's session and the shopper's API token
    chat = conversation(shopper=UserFactory(), store=StoreFactory())
    seller = Client()
    seller.force_login(chat.store.owner)
    cookie = f"{settings.SESSION_COOKIE_NAME}={seller.cookies[settings.SESSION_COOKIE_NAME].value}"
    token = Token.objects.create(user=chat.shopper)

    with (
        shared_database(tmp_path) as database_url,
        running_daphne(database_url=database_url, redis_url=redis_url, log_path=tmp_path / "a.log") as first,
        running_daphne(database_url=database_url, redis_url=redis_url, log_path=tmp_path / "b.log") as second,
    ):

        async def scenario():
            # the seller's socket is held by the first process
            async with (
                aiohttp.ClientSession() as http,
                http.ws_connect(f"{first}/ws/chat/", headers={"Cookie": cookie, "Origin": first}) as socket,
            ):
                # when the shopper sends over the API of the second process
                async with http.post(
                    f"{second}/api/v1/chat/conversations/{chat.pk}/messages/",
                    json={"client_id": client_id(), "body": "Ready kak?"},
                    headers={"Authorization": f"Token {token.key}"},
                ) as response:
                    assert response.status == 201, await response.text()
                    sent = await response.json()
                # then the first process tells the seller's socket
                event = await socket.receive_json(timeout=10)
                return sent, event

        sent, event = run_async(scenario)
    assert event == {
        "type": "message",
        "conversation": chat.pk,
        "message": sent["id"],
        "side": "shopper",
        "kind": "text",
    }
