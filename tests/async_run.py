"""Running a test's async scenario (a WebSocket client, say) from a synchronous test."""

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from django.db import connections


def run_async(scenario, *args):
    """``scenario(*args)`` to completion, in a thread of its own: the browser tests' session
    fixture (Playwright's sync API) keeps an event loop running in the main thread, where
    neither ``async_to_sync`` nor ``asyncio.run`` may start another. Database work of the
    scenario (``sync_to_async``) runs in that thread too, on its own connection: the test
    must use ``transaction=True``."""

    def in_thread():
        try:
            return async_to_sync(scenario)(*args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(in_thread).result()
