"""The site's ASGI application (shop.asgi) served by a real daphne process, for tests that need
WebSockets over the network: two processes sharing the Redis channel layer, a browser."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.celery_worker import ROOT, wait_for
from tests.ports import free_low_port

START_TIMEOUT = 30


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def running_daphne(
    *, database_url: str, log_path: Path, redis_url: str = "", env: dict | None = None, port: int | None = None
) -> Iterator[str]:
    """``daphne shop.asgi:application`` on a free low port of 127.0.0.1, on ``database_url``
    (tests.celery_worker.shared_database) and, when given, ``redis_url`` (the Redis channel
    layer, cache and broker; without it the in-memory layer and eager tasks). Yields the base
    URL; stopped on the way out, before the test's database is cleaned. ``port``: the same one
    again, to restart a server the browser was connected to."""
    port = port or free_low_port("daphne")
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    daphne = Path(sys.executable).with_name("daphne")
    command = [str(daphne), "-b", "127.0.0.1", "-p", str(port), "shop.asgi:application"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(
            lambda: _listening(port),
            timeout=START_TIMEOUT,
            what="daphne to listen",
            process=process,
            log_path=log_path,
        )
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
