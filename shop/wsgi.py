"""The WSGI application (gunicorn).

Once Django is set up and the URLconf imported (every view module with it, as the first
request would), what the process has made so far is moved out of the garbage collector's
sight (``gc.freeze()``): those objects live as long as the process, yet a full collection
walked all of them, some 200,000, every few hundred requests, stopping the request in hand
(the figures are in bench/README.md). Collections now walk only what requests leave behind.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
application = get_wsgi_application()


def _freeze_start_up_objects() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf and every view module now)
    gc.collect()
    gc.freeze()


_freeze_start_up_objects()
