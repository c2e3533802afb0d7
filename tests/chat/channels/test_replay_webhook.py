"""``manage.py replay_webhook`` feeds a saved payload, signed, to a running site (here the
test's live server): the real verification and intake run, and a replay is stored once."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from chat.models import Message
from tests.chat.channels.conftest import TELEGRAM_SECRET

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLES = Path(__file__).resolve().parents[3] / "chat" / "channels" / "samples"


def test_a_saved_whatsapp_payload_is_signed_and_replayed_once_however_often_it_is_sent(live_server, wa_store):
    # given
    out = io.StringIO()

    # when
    call_command(
        "replay_webhook",
        "whatsapp",
        str(SAMPLES / "whatsapp_text.json"),
        "--url",
        live_server.url,
        "--times",
        "2",
        stdout=out,
    )

    # then
    assert out.getvalue().splitlines() == ["1: HTTP 200 stored 1", "2: HTTP 200 stored 0"]
    message = Message.objects.get()
    assert message.body == "Kak, batik tulis motif parang masih ready? 🙏"
    assert message.conversation.store == wa_store


def test_a_telegram_payload_needs_the_bot_secret_token(live_server, tg_store):
    sample = str(SAMPLES / "telegram_text.json")

    with pytest.raises(CommandError, match="secret token"):
        call_command("replay_webhook", "telegram", sample, "--url", live_server.url)
    with pytest.raises(CommandError, match="403"):
        call_command(
            "replay_webhook",
            "telegram",
            sample,
            "--url",
            live_server.url,
            "--secret-token",
            "wrong",
            stdout=io.StringIO(),
        )
    call_command(
        "replay_webhook",
        "telegram",
        sample,
        "--url",
        live_server.url,
        "--secret-token",
        TELEGRAM_SECRET,
        stdout=io.StringIO(),
    )

    assert Message.objects.get().body == "Kopi gayo 250 gr masih ada kak? ☕"


def test_a_missing_file_is_a_clear_error(fake):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("replay_webhook", "whatsapp", "/nonexistent.json")
