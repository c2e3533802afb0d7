import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_dependency(client):
    # when
    response = client.get("/healthz")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert body["checks"]["database"] == "ok"


def test_healthz_names_an_unreachable_broker(client, settings):
    # given a broker nobody listens on
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    # when
    response = client.get("/healthz")
    # then
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]
    assert response.json()["checks"]["database"] == "ok"


def test_healthz_names_an_unreachable_cache(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "cache" in response.json()["down"]


def test_healthz_names_an_unreachable_redis_even_while_its_stand_in_answers(client, settings):
    # given the production cache on a Redis nobody listens on (the site runs on its stand-in)
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "shop.cache.FailoverRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5},
        },
    }
    assert client.get("/ping").status_code == 200
    # when
    response = client.get("/healthz")
    # then
    assert response.status_code == 503
    assert "cache" in response.json()["down"]


def test_healthz_checks_the_real_broker_when_one_is_configured(client, settings):
    import os

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL is not set (CI sets it)")
    settings.CELERY_BROKER_URL = redis_url
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


def test_the_cheapest_page_answers(client):
    assert client.get("/ping").json() == {"pong": True}
