"""The production profile, checked in a fresh interpreter as a deployment would start it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    clean_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL"}
    }
    clean_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secret_key_and_allowed_hosts():
    result = _manage("check", DJANGO_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "ALLOWED_HOSTS" in result.stderr


PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-0123456789",
    "ALLOWED_HOSTS": "shop.example.com",
    # Never connected to by `check`: any address will do.
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_production_passes_the_deployment_checklist():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_redis():
    # given a production set-up complete but for REDIS_URL
    without_redis = {name: value for name, value in PRODUCTION.items() if name != "REDIS_URL"}
    # when it starts
    result = _manage("check", **without_redis)
    # then it refuses, naming what is missing and why
    assert result.returncode != 0
    assert "DJANGO_ENV=production needs REDIS_URL" in result.stderr
    assert "rate limits" in result.stderr


def test_the_deployment_checklist_refuses_a_per_process_cache_and_no_broker():
    # given a site configured without Redis (the development profile, with debugging off)
    # when the deployment checklist runs
    result = _manage("check", "--deploy", DJANGO_ENV="development", DEBUG="False")
    # then it fails on the cache and the broker, saying why
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "(shop.E001) The default cache is per process (LocMemCache)" in output
    assert "rate limits count per worker" in output
    assert "Set REDIS_URL" in output
    assert "(shop.E002)" in output
    # and the same site with Redis passes those two
    with_redis = _manage(
        "check", "--deploy", DJANGO_ENV="development", DEBUG="False", REDIS_URL=PRODUCTION["REDIS_URL"]
    )
    assert "shop.E00" not in with_redis.stdout + with_redis.stderr


def test_with_redis_the_cache_fails_over_and_sessions_fall_back_to_the_database():
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE)",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["shop.cache.FailoverRedisCache", "django.contrib.sessions.backends.cached_db"]
