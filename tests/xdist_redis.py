"""A Redis database per pytest-xdist worker (``make test`` runs the suite in two processes).

Loaded with ``-p tests.xdist_redis`` (pyproject's addopts), so it runs before pytest-django reads
the settings. Tests clear the cache (``FLUSHDB``), use Celery's queue and the channel layer: two
workers sharing one Redis database would empty and read each other's. Worker ``gwN`` takes the
database ``REDIS_URL`` names plus N; the test databases get their ``_gwN`` suffix from
pytest-django. Without xdist, or without ``REDIS_URL``, nothing changes.
"""

import os
from urllib.parse import urlsplit, urlunsplit


def worker_redis_url(url: str, worker: str) -> str:
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    index = int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{base + index}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = worker_redis_url(os.environ["REDIS_URL"], _worker)
