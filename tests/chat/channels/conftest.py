import pytest

from chat.channels import providers
from chat.channels.models import TelegramConnection, WhatsAppConnection
from tests.chat.channels import payloads
from tests.chat.channels.fake_providers import FakeProviderServer
from tests.factories import StoreFactory

WHATSAPP_TOKEN = "EAAGm0PX4ZCpsBAKfakeWhatsAppAccessTokenZDZD"
TELEGRAM_TOKEN = "7012345678:AAHfakeTelegramBotTokenXYZ_123"
TELEGRAM_SECRET = "test-secret-token_0123456789abcdefABCDEF"


@pytest.fixture
def fake(settings):
    """The local provider server, with the site's settings pointed at it."""
    with FakeProviderServer() as state:
        settings.WHATSAPP_API_BASE = state.whatsapp_base
        settings.TELEGRAM_API_BASE = state.base
        settings.WHATSAPP_APP_SECRET = "meta-app-secret-for-tests"
        settings.WHATSAPP_VERIFY_TOKEN = "verify-me-please"
        settings.SITE_URL = "https://etalase.test"
        settings.CHANNELS_HTTP_TIMEOUT = 5
        yield state


@pytest.fixture
def wa_store(fake):
    store = StoreFactory(name="Toko Batik Sari")
    WhatsAppConnection.objects.create(
        store=store,
        phone_number_id=payloads.PHONE_NUMBER_ID,
        display_number="+62 811-0000-1111",
        access_token=WHATSAPP_TOKEN,
    )
    fake.whatsapp_numbers[payloads.PHONE_NUMBER_ID] = WHATSAPP_TOKEN
    return store


@pytest.fixture
def tg_store(fake):
    store = StoreFactory(name="Toko Kopi Budi")
    TelegramConnection.objects.create(
        store=store, bot_token=TELEGRAM_TOKEN, secret_token_hash=providers.secret_token_hash(TELEGRAM_SECRET)
    )
    fake.telegram_tokens.add(TELEGRAM_TOKEN)
    return store


@pytest.fixture
def wa_post(client, django_capture_on_commit_callbacks):
    """Post a WhatsApp delivery (signed unless told otherwise) and run what its commit enqueues
    (the processing task, eager in tests), as a real commit would."""

    def post(payload, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return payloads.post_whatsapp(client, payload, **kwargs)

    return post


@pytest.fixture
def tg_post(client, django_capture_on_commit_callbacks):
    def post(update, *, secret=TELEGRAM_SECRET):
        with django_capture_on_commit_callbacks(execute=True):
            return payloads.post_telegram(client, update, secret=secret)

    return post


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): ...`` runs the on-commit work (task hand-overs) of what it wraps."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
